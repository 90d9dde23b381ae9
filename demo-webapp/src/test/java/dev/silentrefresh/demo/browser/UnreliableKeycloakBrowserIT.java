package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * No honest logout when Keycloak's answer is lost, late, or Keycloak is unreachable or frozen: the client re-sends a refresh
 * token only while that surely lands inside the server's grace window (counted from the first send), and otherwise gets a
 * new family from the Keycloak SSO session without a click.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class UnreliableKeycloakBrowserIT extends BrowserTest {

    /** The client's request timeout (refresh-policy.js). */
    private static final long CLIENT_TIMEOUT_MILLIS = 4000;
    /** How long the grace window minus the client's margin is (refresh-policy.js: W − M). */
    private static final long REPLAY_DEADLINE_MILLIS = GRACE_SECONDS * 1000L - 2000;

    @Test
    void aLostRefreshResponseIsRetriedWithTheSameTokenAndNobodyIsLoggedOut() {
        // Given alice is logged in
        DemoPage tab = open("?proactive=off");
        tab.logIn("alice", "alice");
        String sessionId = tab.sessionId();

        // When Keycloak processes her next refresh but the answer never reaches the browser
        proxy.faultNextRefreshes(new KeycloakProxy.DropAnswer());
        tab.click("refresh-button");
        tab.waitForGenerationAbove(0, 15_000);

        // Then the client sent the same token once more, inside the window, and got a sibling: still logged in, no reuse
        List<KeycloakProxy.TokenExchange> refreshes = refreshExchanges();
        measured("lost response", "exchanges=" + describe(refreshes) + " refreshErrors=" + refreshErrors());
        assertEquals(2, refreshes.size(), "refresh requests on the wire");
        assertEquals("dropped", refreshes.get(0).delivered());
        assertEquals(200, refreshes.get(0).keycloakStatus(), "Keycloak processed the first request");
        assertEquals(200, refreshes.get(1).keycloakStatus(), "the retry with the same token got a sibling");
        assertTrue(millisBetween(refreshes.get(0), refreshes.get(1)) < REPLAY_DEADLINE_MILLIS, "the retry left inside the window");
        assertEquals(2, tab.stat("refreshCalls"), "refresh requests counted by the page");
        assertFalse(refreshErrors().contains(REUSED), "refresh_token_reused events: " + refreshErrors());
        assertEquals("logged-in", tab.state());
        // and the sibling moves the family on: the next refresh and the API work
        assertStillWorks(tab, sessionId);
    }

    @Test
    void anAnswerLaterThanTheClientsTimeoutIsAbortedAndRetriedInsideTheWindow() {
        // Given alice is logged in
        DemoPage tab = open("?proactive=off");
        tab.logIn("alice", "alice");
        String sessionId = tab.sessionId();

        // When Keycloak's answer to her next refresh would reach the browser only after 6 s, beyond the client's 4 s timeout
        proxy.faultNextRefreshes(new KeycloakProxy.Delay(6000));
        tab.click("refresh-button");
        tab.waitForGenerationAbove(0, 20_000);

        // Then the client gave up on it at its timeout and sent the same token again, inside the window
        List<KeycloakProxy.TokenExchange> refreshes = refreshExchanges();
        long gap = millisBetween(refreshes.get(0), refreshes.get(1));
        measured("late answer", "exchanges=" + describe(refreshes) + " retryAfterMillis=" + gap + " refreshErrors=" + refreshErrors());
        assertEquals(2, refreshes.size(), "refresh requests on the wire");
        assertTrue(gap >= CLIENT_TIMEOUT_MILLIS - 200 && gap < REPLAY_DEADLINE_MILLIS, "the retry left after the timeout, inside the window: " + gap);
        assertEquals(200, refreshes.get(1).keycloakStatus());
        assertFalse(refreshErrors().contains(REUSED), "refresh_token_reused events: " + refreshErrors());
        assertEquals("logged-in", tab.state());
        assertStillWorks(tab, sessionId);
    }

    @Test
    void anUnreachableTokenEndpointIsRetriedOnlyInsideTheWindowThenReplacedSilentlyAndNobodyIsLoggedOut() {
        // Given alice is logged in
        DemoPage tab = open("?proactive=off");
        tab.logIn("alice", "alice");
        String sessionId = tab.sessionId();
        String family = tab.family();

        // When refresh requests cannot reach Keycloak at all, and the page refreshes ("Refresh now")
        KeycloakProxy.Fault[] outage = new KeycloakProxy.Fault[20];
        java.util.Arrays.fill(outage, new KeycloakProxy.Refuse());
        proxy.faultNextRefreshes(outage);
        tab.click("refresh-button");
        tab.waitUntil("c.refreshTokenInfo && c.refreshTokenInfo.family !== '" + family + "'", 30_000);

        // Then the same token went out with growing pauses, never later than the window allows, and was then given up: a
        // silent login from the SSO session replaced it (a new family), and she never saw the login screen
        List<KeycloakProxy.TokenExchange> refreshes = refreshExchanges();
        List<KeycloakProxy.TokenExchange> attempts = clientAttempts(refreshes);
        List<Long> pauses = new ArrayList<>();
        for (int i = 1; i < attempts.size(); i++) {
            pauses.add(millisBetween(attempts.get(i - 1), attempts.get(i)));
        }
        measured("unreachable token endpoint", "refusedRefreshRequests=" + refreshes.size() + " clientAttempts=" + attempts.size()
                + " pausesMillis=" + pauses + " codeExchanges=" + proxy.codeExchanges() + " stats=" + tab.stats());
        assertTrue(attempts.size() >= 2, "refresh attempts during the outage: " + attempts.size());
        assertEquals(attempts.size(), tab.stat("refreshCalls"), "refresh attempts counted by the page");
        assertTrue(refreshes.stream().allMatch(e -> "refused".equals(e.delivered())), describe(refreshes));
        for (int i = 1; i < pauses.size(); i++) {
            assertTrue(pauses.get(i) > pauses.get(i - 1), "the pauses grow: " + pauses);
        }
        assertTrue(millisBetween(attempts.get(0), attempts.get(attempts.size() - 1)) < REPLAY_DEADLINE_MILLIS,
                "the last try with the old token left inside the window: " + pauses);
        assertEquals(2, proxy.codeExchanges(), "the login and the silent one");
        assertEquals(sessionId, tab.sessionId(), "the same Keycloak SSO session");
        assertEquals("logged-in", tab.state());
        assertEquals(0, tab.stat("loginViewShown"));
        assertEquals(0, events("REFRESH_TOKEN").size(), "Keycloak saw a refresh during the outage");
        // and with the network back, the new family refreshes and the API works
        proxy.faultNextRefreshes();
        assertStillWorks(tab, sessionId);
    }

    @Test
    void keycloakFrozenForThirtySecondsLogsNobodyOutAndCallsWorkAgainWithinFiveSecondsOfItsReturn() {
        // Given alice is logged in and keeps calling the API (every second, until the end of the test)
        DemoPage tab = open("");
        tab.logIn("alice", "alice");
        tab.page().evaluate("() => { window.__caller = setInterval(() => document.getElementById('call-api').click(), 1000) }");
        tab.idle(3000);
        KeycloakProcess keycloak = KeycloakProcess.ofThisTestRun();

        // When Keycloak freezes for 30 s (SIGSTOP: connections are accepted, nothing is answered)
        long frozenAt = ((Number) tab.page().evaluate("() => Date.now()")).longValue();
        long resumedAt;
        keycloak.freeze();
        try {
            tab.idle(30_000);
        } finally {
            keycloak.resume();
            resumedAt = ((Number) tab.page().evaluate("() => Date.now()")).longValue();
        }
        // and comes back; she keeps going for 10 s (twice the 5 s the assertions below allow for a failure after the return)
        tab.idle(10_000);
        tab.page().evaluate("() => clearInterval(window.__caller)");
        tab.waitUntil("s.apiOk + s.apiFailed === s.apiCalls", 30_000);

        // Then she was never logged out, no reuse was detected, and calls succeed again within 5 s of Keycloak's return
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> calls = (List<Map<String, Object>>) tab.page().evaluate("() => window.__demo.calls");
        long failedDuring = calls.stream().filter(c -> time(c) >= frozenAt && time(c) < resumedAt && !ok(c)).count();
        long failedAfter = calls.stream().filter(c -> time(c) >= resumedAt && !ok(c)).count();
        long firstOkAfter = calls.stream().filter(c -> time(c) >= resumedAt && ok(c)).mapToLong(UnreliableKeycloakBrowserIT::time)
                .min().orElse(Long.MAX_VALUE);
        long lastFailedAfter = calls.stream().filter(c -> time(c) >= resumedAt && !ok(c)).mapToLong(UnreliableKeycloakBrowserIT::time)
                .max().orElse(resumedAt);
        measured("Keycloak frozen 30 s", "callsDuringFreeze=" + calls.stream().filter(c -> time(c) >= frozenAt && time(c) < resumedAt).count()
                + " failedDuringFreeze=" + failedDuring + " failedAfterReturn=" + failedAfter + " firstOkCallAfterReturnMillis="
                + (firstOkAfter - resumedAt) + " lastFailedCallAfterReturnMillis=" + (lastFailedAfter - resumedAt)
                + " refreshExchanges=" + describe(refreshExchanges()) + " codeExchanges=" + proxy.codeExchanges()
                + " refreshErrors=" + refreshErrors());
        assertEquals("logged-in", tab.state(), () -> String.join("\n", tab.logLines()));
        assertEquals(0, tab.stat("loginViewShown"), "the login screen was shown");
        assertFalse(refreshErrors().contains(REUSED), "refresh_token_reused events: " + refreshErrors());
        assertTrue(lastFailedAfter - resumedAt <= 5000, "a call failed " + (lastFailedAfter - resumedAt) + " ms after Keycloak's return");
        assertTrue(firstOkAfter - resumedAt <= 5000, "first successful call " + (firstOkAfter - resumedAt) + " ms after Keycloak's return");
    }

    /** A refresh, then an API call, both successful, and no reuse recorded. */
    private void assertStillWorks(DemoPage tab, String sessionId) {
        int generation = tab.generation();
        tab.click("refresh-button");
        tab.waitForGenerationAbove(generation, 15_000);
        int ok = tab.stat("apiOk");
        tab.click("call-api");
        tab.waitUntil("s.apiOk === " + (ok + 2) + " && s.apiOk + s.apiFailed === s.apiCalls");
        assertEquals("logged-in", tab.state());
        assertEquals(sessionId, tab.sessionId());
        assertFalse(refreshErrors().contains(REUSED), "refresh_token_reused events: " + refreshErrors());
    }

    private static List<KeycloakProxy.TokenExchange> refreshExchanges() {
        return proxy.tokenExchanges().stream().filter(e -> "refresh_token".equals(e.grantType())).toList();
    }

    /**
     * The client's own attempts: Chromium re-sends a request by itself, once and within milliseconds, when a reused
     * connection closes without an answer; such a re-send is the same attempt (the same request, the same token).
     */
    private static List<KeycloakProxy.TokenExchange> clientAttempts(List<KeycloakProxy.TokenExchange> exchanges) {
        List<KeycloakProxy.TokenExchange> attempts = new ArrayList<>();
        for (KeycloakProxy.TokenExchange exchange : exchanges) {
            if (attempts.isEmpty() || millisBetween(attempts.get(attempts.size() - 1), exchange) > 150) {
                attempts.add(exchange);
            }
        }
        return attempts;
    }

    private static long millisBetween(KeycloakProxy.TokenExchange first, KeycloakProxy.TokenExchange second) {
        return Duration.ofNanos(second.arrivedNanos() - first.arrivedNanos()).toMillis();
    }

    private static String describe(List<KeycloakProxy.TokenExchange> exchanges) {
        return exchanges.stream().map(e -> e.keycloakStatus() + "/" + e.delivered()).toList().toString();
    }

    private static long time(Map<String, Object> call) {
        return ((Number) call.get("time")).longValue();
    }

    private static boolean ok(Map<String, Object> call) {
        return Boolean.TRUE.equals(call.get("ok"));
    }
}
