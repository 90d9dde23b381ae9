package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * Every combination of SharedWorker, Web Locks and BroadcastChannel present or absent, removed from the real Chromium by an
 * init script before the page runs: two tabs log in, refresh at the same moment and call the API; nobody is logged out,
 * no refresh token is presented twice. Without SharedWorker each tab has a token owner (and a login family) of its own.
 */
@KeycloakIntegrationTest(config = BrowserTest.KeycloakWithRotationExtension.class)
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
        assertEquals(sharedWorker ? "shared" : "dedicated", second.stats().get("ownerMode"));

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
        int families = sharedWorker ? 1 : 2;
        measured("fallback SW=" + sharedWorker + " WL=" + webLocks + " BC=" + broadcastChannel, "wireRefreshRequests=" + proxy.refreshRequests()
                + " codeExchanges=" + proxy.codeExchanges() + " refreshErrors=" + refreshErrors());
        assertEquals("logged-in", first.state(), () -> logsOf(first, second));
        assertEquals("logged-in", second.state(), () -> logsOf(first, second));
        // (the first tab's page was loaded anew by the login redirect; the second never showed the login screen)
        assertEquals(0, first.stat("loginViewShown") + second.stat("loginViewShown"), "login screens shown after the login");
        assertEquals(0, first.stat("apiFailed") + second.stat("apiFailed"), "failed API calls");
        assertEquals(families, proxy.codeExchanges(), "logins: one per token owner");
        assertEquals(2 * families, proxy.refreshRequests(), "refresh requests: two rounds per token owner");
        assertEquals(proxy.refreshRequests(), awaitEvents("REFRESH_TOKEN", e -> true, proxy.refreshRequests()).size(),
                "REFRESH_TOKEN events in Keycloak");
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events in Keycloak");
        assertTrue(first.sessionId().equals(second.sessionId()), "one Keycloak SSO session");
    }
}
