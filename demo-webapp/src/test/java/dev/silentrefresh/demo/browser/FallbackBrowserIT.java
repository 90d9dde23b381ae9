package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * Every combination of SharedWorker, Web Locks and BroadcastChannel present or absent, removed from the real Chromium by an
 * init script before the page runs: two tabs log in, refresh at the same moment and call the API; nobody is logged out,
 * no refresh token is presented twice. Where SharedWorker is missing, Web Locks elect one token owner for the browser (its
 * tab relays the others' requests over a BroadcastChannel), so the browser keeps one login family there too; without them
 * each tab has an owner (and a family) of its own.
 * Logging out in one tab logs out the others in those modes too (issue 14, item 6).
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class FallbackBrowserIT extends BrowserTest {

    @ParameterizedTest(name = "SharedWorker {0}, Web Locks {1}, BroadcastChannel {2}")
    @CsvSource({
        "true, true, true", "true, true, false", "true, false, true", "true, false, false",
        "false, true, true", "false, true, false", "false, false, true", "false, false, false"})
    void twoTabsWorkWithWhatTheBrowserOffers(boolean sharedWorker, boolean webLocks, boolean broadcastChannel) {
        // Given a browser without some of the three
        context.addInitScript((sharedWorker ? "" : "delete window.SharedWorker;")
                + (webLocks ? "" : "Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });")
                + (broadcastChannel ? "" : "delete window.BroadcastChannel;"));
        // and alice logged in in one tab, then opening a second
        DemoPage first = open("?proactive=off");
        assertEquals(sharedWorker, (Boolean) first.page().evaluate("() => typeof SharedWorker === 'function'"));
        assertEquals(webLocks, (Boolean) first.page().evaluate("() => !!navigator.locks"));
        assertEquals(broadcastChannel, (Boolean) first.page().evaluate("() => typeof BroadcastChannel === 'function'"));
        first.logIn("alice", "alice");
        DemoPage second = open("?proactive=off");
        second.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");
        if (sharedWorker) {
            assertEquals("shared", second.stats().get("ownerMode"));
        }

        // When both tabs refresh at the same millisecond, twice, and call the API
        for (int round = 1; round <= 2; round++) {
            Object at = first.page().evaluate("() => Date.now() + 300");
            for (DemoPage tab : List.of(first, second)) {
                tab.page().evaluate("at => { setTimeout(() => window.__demo.client.refresh().catch(() => {}), at - Date.now()) }", at);
            }
            for (DemoPage tab : List.of(first, second)) {
                tab.waitUntil("c.refreshTokenInfo && c.refreshTokenInfo.generation >= " + round);
            }
        }
        first.click("call-api");
        second.click("call-api");
        first.waitUntil("s.apiCalls >= 3 && s.apiOk + s.apiFailed === s.apiCalls");
        second.waitUntil("s.apiCalls >= 3 && s.apiOk + s.apiFailed === s.apiCalls");

        // Then both are logged in, every call worked, and every refresh request rotated a family once (none was reuse)
        // (the elected owner relays the other tabs' requests over a BroadcastChannel, so election needs both)
        int families = sharedWorker || webLocks && broadcastChannel ? 1 : 2;
        measured("fallback SW=" + sharedWorker + " WL=" + webLocks + " BC=" + broadcastChannel, "wireRefreshRequests=" + proxy.refreshRequests()
                + " codeExchanges=" + proxy.codeExchanges() + " refreshErrors=" + refreshErrors());
        assertEquals("logged-in", first.state(), () -> logsOf(first, second));
        assertEquals("logged-in", second.state(), () -> logsOf(first, second));
        // (the first tab's page was loaded anew by the login redirect; the second never showed the login screen)
        assertEquals(0, first.stat("loginViewShown") + second.stat("loginViewShown"), "login screens shown after the login");
        assertEquals(0, first.stat("apiFailed") + second.stat("apiFailed"), "failed API calls");
        assertEquals(families, proxy.codeExchanges(), () -> "logins: one per token owner (one per browser with SharedWorker, or Web Locks and "
                + "BroadcastChannel)\n"
                + logsOf(first, second));
        assertEquals(2 * families, proxy.refreshRequests(), "refresh requests: two rounds per token owner");
        assertEquals(proxy.refreshRequests(), awaitEvents("REFRESH_TOKEN", e -> true, proxy.refreshRequests()).size(),
                "REFRESH_TOKEN events in Keycloak");
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events in Keycloak");
        assertTrue(first.sessionId().equals(second.sessionId()), "one Keycloak SSO session");
    }

    @ParameterizedTest(name = "no SharedWorker, Web Locks {0}")
    @ValueSource(booleans = {true, false})
    void withoutSharedWorkerLoggingOutInOneTabLogsOutTheOtherAtOnce(boolean webLocks) {
        // Given a browser without SharedWorker, and alice logged in in two tabs that both called the API
        context.addInitScript("delete window.SharedWorker;"
                + (webLocks ? "" : "Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });"));
        DemoPage first = open("?proactive=off");
        first.logIn("alice", "alice");
        DemoPage second = open("?proactive=off");
        second.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");
        String sessionId = first.sessionId();
        int refreshEventsBefore = events("REFRESH_TOKEN").size();
        int refreshRequestsBefore = proxy.refreshRequests();

        // When she logs out in the first tab
        first.click("logout-button");
        first.waitUntil("s.state === 'logged-out'", 30_000);

        // Then the second tab shows the login screen at once, saying why, and nothing refreshed after the click
        long firstLoggedOutAt = System.nanoTime();
        boolean secondLoggedOut;
        try {
            second.waitUntil("s.state === 'logged-out'", 5000);
            secondLoggedOut = true;
        } catch (com.microsoft.playwright.PlaywrightException e) {
            secondLoggedOut = false;
        }
        measured("logout without SharedWorker, Web Locks " + webLocks, "secondTabLoggedOut=" + secondLoggedOut + " afterMillis="
                + Duration.ofNanos(System.nanoTime() - firstLoggedOutAt).toMillis() + " wireRefreshRequestsAfterClick="
                + (proxy.refreshRequests() - refreshRequestsBefore) + " refreshEventsAfterClick=" + (events("REFRESH_TOKEN").size() - refreshEventsBefore)
                + " codeExchanges=" + proxy.codeExchanges() + " reason=" + second.stats().get("endedReason"));
        assertTrue(secondLoggedOut, () -> "the second tab was still logged in 5 s after the logout:\n" + logsOf(first, second));
        assertEquals("You logged out in another tab.", second.text("login-reason"));
        // (with Web Locks one owner ended the session for every tab; without, each tab's own owner checks a "session ended" hint
        // with Keycloak: one refresh request, refused)
        List<KeycloakProxy.TokenExchange> afterClick = proxy.tokenExchanges().stream().filter(e -> "refresh_token".equals(e.grantType()))
                .skip(refreshRequestsBefore).toList();
        assertEquals(webLocks ? 0 : 1, afterClick.size(), "refresh requests after the logout click");
        assertTrue(afterClick.stream().noneMatch(e -> e.keycloakStatus() == 200), "a refresh after the logout click got tokens");
        assertEquals(refreshEventsBefore, events("REFRESH_TOKEN").size(), "REFRESH_TOKEN events after the logout click");
        // and Keycloak's session is gone, with one LOGOUT event for it
        assertTrue(aliceSessions().stream().noneMatch(s -> sessionId.equals(s.getId())), "the Keycloak session survived the logout");
        assertEquals(1, awaitEvents("LOGOUT", inSession(sessionId), 1).size(), "LOGOUT events for the session");
        // and the second tab stays logged out
        second.idle(2000);
        assertEquals("logged-out", second.state());
        // (Keycloak records the per-tab owner's refused check above as one REFRESH_TOKEN_ERROR, invalid_token for a session no
        // longer active; no other error, and never a reuse)
        assertEquals(webLocks ? List.of() : List.of("invalid_token"), refreshErrors(), "REFRESH_TOKEN_ERROR events in Keycloak");
    }
}
