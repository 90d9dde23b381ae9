package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.PlaywrightException;
import dev.silentrefresh.demo.DemoServer;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * A real laptop or phone instead of an ideal machine (issue 14, items 1, 3, 4 and 7): the device sleeps with a refresh
 * unanswered, its clock is minutes off or jumps, the API's clock runs ahead, a page asks for more validity than a token
 * has. The token owner's clocks are changed inside its SharedWorker ({@link OwnerWorker}), the pages' with Playwright's
 * clock; Keycloak's clock is the real one, so a grace window that must pass passes for real.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class DeviceConditionsBrowserIT extends BrowserTest {

    /** How far the device's clock is off: beyond the 5-minute leeway the client used to allow the ID token's exp. */
    private static final Duration SKEW = Duration.ofMinutes(7);

    @Test
    void aRefreshLostJustBeforeTheDeviceSleepsPastTheGraceWindowIsNeverSentAgain() {
        // Given alice is logged in (proactive refresh off: only the refresh below happens)
        DemoPage tab = open("?proactive=off");
        tab.logIn("alice", "alice");
        String sessionId = tab.sessionId();
        String family = tab.family();
        OwnerWorker owner = OwnerWorker.of(browser, tab).installDeviceConditions();

        // When she refreshes, Keycloak rotates, and the lid closes before the answer arrives (so it is lost)
        java.util.concurrent.CountDownLatch lidClosed = new java.util.concurrent.CountDownLatch(1);
        proxy.faultNextRefreshes(new KeycloakProxy.DropAnswerWhenReleased(lidClosed));
        tab.click("refresh-button");
        awaitTrue(() -> proxy.tokenExchanges().stream().anyMatch(e -> "held".equals(e.delivered())), Duration.ofSeconds(15),
                "Keycloak did not answer the refresh");
        owner.suspend();
        lidClosed.countDown();
        // and the device sleeps longer than Keycloak's grace window (Keycloak's clock runs on: this wait is real)
        tab.idle((GRACE_SECONDS + 2) * 1000);
        owner.resume();
        tab.waitUntil("s.state === 'logged-out' || (c.refreshTokenInfo && c.refreshTokenInfo.family !== '" + family + "')", 30_000);

        // Then the spent token was never presented again: a silent login replaced it; nobody was logged out
        List<String> errors = refreshErrors();
        measured("sleep past the window", "wireRefreshRequests=" + proxy.refreshRequests() + " codeExchanges=" + proxy.codeExchanges()
                + " refreshErrors=" + errors + " suspends=" + owner.evaluate("globalThis.__device.suspends") + " stats=" + tab.stats());
        assertEquals("logged-in", tab.state(), () -> "logged out after the sleep:\n" + logsOf(tab));
        assertEquals(List.of(), errors, "REFRESH_TOKEN_ERROR events (refresh_token_reused: the spent token was sent again)");
        assertEquals(1, proxy.refreshRequests(), "refresh requests on the wire: the lost one only");
        assertEquals(2, proxy.codeExchanges(), "code exchanges: the login and the silent one after the sleep");
        assertEquals(0, tab.stat("loginViewShown"), "the login screen was shown");
        assertEquals(sessionId, tab.sessionId(), "the same Keycloak SSO session");
        owner.close();
        assertRefreshAndApiWork(tab);
    }

    /** When the device's clock is off. */
    enum ClockError {
        /** Seven minutes fast from before the login. */
        FAST_FROM_THE_START(SKEW, true),
        /** Seven minutes slow from before the login. */
        SLOW_FROM_THE_START(SKEW.negated(), true),
        /** Right while logged in, the clock jumps seven minutes ahead (a wrong time zone, a bad NTP answer). */
        JUMPS_AHEAD_WHILE_LOGGED_IN(SKEW, false);

        final Duration offset;
        final boolean beforeLogin;

        ClockError(Duration offset, boolean beforeLogin) {
            this.offset = offset;
            this.beforeLogin = beforeLogin;
        }
    }

    @ParameterizedTest
    @EnumSource(ClockError.class)
    void aDeviceClockMinutesOffLogsNobodyOutAndSpendsEachRefreshTokenOnce(ClockError clock) {
        // Given a device whose clock (pages and token owner alike) is off, before or after alice logs in
        DemoPage holder = null;
        if (clock.beforeLogin) {
            context.clock().install(new com.microsoft.playwright.Clock.InstallOptions().setTime(System.currentTimeMillis() + clock.offset.toMillis()));
            // (a second tab keeps the token owner alive across the login's redirect, so the owner's clock is off from the start)
            holder = open("?proactive=off");
            OwnerWorker.of(browser, holder).installDeviceConditions().skewWallClock(clock.offset);
        }
        DemoPage tab = open("?proactive=off");
        loginTolerantly(tab);
        if (!clock.beforeLogin) {
            context.clock().setSystemTime(System.currentTimeMillis() + clock.offset.toMillis());
            OwnerWorker.of(browser, tab).installDeviceConditions().skewWallClock(clock.offset);
        }

        // When she refreshes three times, five seconds apart at most
        int rotations = 0;
        for (int i = 0; i < 3; i++) {
            rotations += refreshWithin(tab, 5000) ? 1 : 0;
        }

        // Then every refresh installed new tokens, no refresh token was presented twice, and she is still logged in
        List<String> errors = refreshErrors();
        measured("clock " + clock, "rotations=" + rotations + " wireRefreshRequests=" + proxy.refreshRequests() + " codeExchanges="
                + proxy.codeExchanges() + " refreshErrors=" + errors + " state=" + tab.state() + " reason=" + tab.stats().get("endedReason"));
        assertEquals("logged-in", tab.state(), () -> "not logged in:\n" + logsOf(tab));
        assertEquals(List.of(), errors, "REFRESH_TOKEN_ERROR events");
        assertEquals(1, proxy.codeExchanges(), "code exchanges: the login");
        assertEquals(3, rotations, () -> "refreshes that installed new tokens:\n" + logsOf(tab));
        assertEquals(3, proxy.refreshRequests(), "refresh requests on the wire: one per refresh");
        assertEquals(3, awaitEvents("REFRESH_TOKEN", e -> true, 3).size(), "REFRESH_TOKEN events in Keycloak");
        if (holder != null) {
            assertEquals("logged-in", holder.state(), "the second tab");
        }
    }

    @Test
    void anApiWhoseClockRunsAheadRejectsEachNewTokenAndEachGetsItsOwnRefresh() throws Exception {
        // Given an API whose clock is 9 s ahead of Keycloak's, and the proactive refresh off: every access token is rejected
        // by the API while the browser still trusts it, once per token
        Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(9));
        Server aheadApp = DemoServer.newServer(0, appConfig(), DemoServer.class.getResource("/static/").toURI(),
                DemoServer.newAccessTokenVerifier(appConfig(), ahead), ahead);
        aheadApp.start();
        try {
            String aheadUrl = urlOf(aheadApp);
            letTheSpasLogInFrom(aheadUrl);
            BrowserTraffic aheadTraffic = BrowserTraffic.watch(context, aheadUrl);
            DemoPage tab = DemoPage.open(context, aheadUrl, proxy.url(), "?proactive=off");
            tab.logIn("alice", "alice");

            // When she clicks "Call API ×20 at once" with her token rejected, and again once the next token is rejected
            List<String> rounds = new java.util.ArrayList<>();
            for (int round = 1; round <= 2; round++) {
                tab.waitUntil("Date.now() > c.accessTokenExpiresAt - " + (ACCESS_TOKEN_SECONDS * 1000L - 2500), 30_000);
                int calls = tab.stat("apiCalls");
                int failed = tab.stat("apiFailed");
                int retries = tab.stat("retries");
                int refreshes = proxy.refreshRequests();
                int apiRequests = aheadTraffic.apiRequests();
                tab.click("call-api-20");
                tab.waitUntil("s.apiCalls === " + (calls + 20) + " && s.apiOk + s.apiFailed === s.apiCalls");
                rounds.add("failed=" + (tab.stat("apiFailed") - failed) + " retries=" + (tab.stat("retries") - retries) + " refreshes="
                        + (proxy.refreshRequests() - refreshes) + " apiRequests=" + (aheadTraffic.apiRequests() - apiRequests));
            }

            // Then in each round the rejected token got one refresh, each call one retry, and every call succeeded
            measured("401 per token", "rounds=" + rounds + " stats=" + tab.stats());
            assertEquals(List.of("failed=0 retries=20 refreshes=1 apiRequests=40", "failed=0 retries=20 refreshes=1 apiRequests=40"), rounds,
                    () -> "per round (token_rejected after the second 401?):\n" + logsOf(tab));
            assertEquals("logged-in", tab.state());
            assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events");
        } finally {
            aheadApp.stop();
        }
    }

    @Test
    void askingForMoreValidityThanATokenHasNeverReportsKeycloakUnavailable() {
        // Given alice is logged in with 10-second access tokens
        DemoPage tab = open("?proactive=off");
        tab.logIn("alice", "alice");
        int before = proxy.refreshRequests();

        // When code asks twice in a row for a token valid 20 s (more than any token lives)
        @SuppressWarnings("unchecked")
        Map<String, Object> outcome = (Map<String, Object>) tab.page().evaluate("""
                async () => {
                  const c = window.__demo.client
                  const results = []
                  for (let i = 0; i < 2; i++) {
                    try { results.push(typeof (await c.getAccessToken({ minValidity: 20 }))) }
                    catch (err) { results.push(err.name + ': ' + err.message) }
                  }
                  return { results }
                }""");

        // Then both calls got a token, with at most one refresh for both (none while the token is younger than half its
        // lifetime, one when a loaded machine made the calls later than that)
        int refreshes = proxy.refreshRequests() - before;
        measured("minValidity above the lifetime", "outcome=" + outcome + " wireRefreshRequests=" + refreshes);
        assertEquals(List.of("string", "string"), outcome.get("results"), "what the two calls returned");
        assertTrue(refreshes <= 1, "refresh requests for two calls: " + refreshes);
        assertEquals("logged-in", tab.state());
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events");
    }

    /** Logs in; a login the client itself fails (its page comes back logged out) is left for the assertions. */
    private static void loginTolerantly(DemoPage tab) {
        tab.goToKeycloakLogin();
        tab.submitCredentials("alice", "alice");
        tab.page().waitForURL(url -> !url.contains("/realms/"));
        tab.waitUntil("s.state !== 'loading'");
        try {
            tab.waitUntil("s.state === 'logged-in' || s.state === 'logged-out'", 10_000);
        } catch (PlaywrightException e) {
            // reported by the assertions
        }
    }

    /** Clicks "Refresh now"; true when new tokens arrive within {@code millis}, otherwise waits out the rest and says false. */
    private static boolean refreshWithin(DemoPage tab, long millis) {
        if (!"logged-in".equals(tab.state())) {
            return false;
        }
        int generation = tab.generation();
        long start = System.nanoTime();
        tab.click("refresh-button");
        try {
            tab.waitForGenerationAbove(generation, millis);
            return true;
        } catch (PlaywrightException e) {
            long left = millis - Duration.ofNanos(System.nanoTime() - start).toMillis();
            if (left > 0) {
                tab.idle(left);
            }
            return false;
        }
    }

    /** A refresh and an API call, both successful, and no reuse recorded. */
    private void assertRefreshAndApiWork(DemoPage tab) {
        int generation = tab.generation();
        tab.click("refresh-button");
        tab.waitForGenerationAbove(generation, 15_000);
        int ok = tab.stat("apiOk");
        tab.click("call-api");
        tab.waitUntil("s.apiOk === " + (ok + 2) + " && s.apiOk + s.apiFailed === s.apiCalls");
        assertEquals("logged-in", tab.state());
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events");
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, Duration timeout, String message) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(message);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(message, e);
            }
        }
    }
}
