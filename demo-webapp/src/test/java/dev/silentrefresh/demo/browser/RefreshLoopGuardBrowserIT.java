package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.DemoServer;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * Never a refresh loop: a token whose lifetime exceeds what {@code setTimeout} can wait (2³¹−1 ms), and an API that rejects
 * every token.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class RefreshLoopGuardBrowserIT extends BrowserTest {

    @Test
    void anAccessTokenValidForThirtyDaysIsNotRefreshedAtOnce() {
        // Given Keycloak's token responses say the access token lives 30 days (2,592,000 s: a setTimeout of that many ms
        // is above 2^31-1 and would fire at once)
        proxy.rewriteTokenResponses(json -> json.replaceFirst("\"expires_in\":\\d+", "\"expires_in\":2592000"));
        DemoPage tab = open("");

        // When alice logs in and stays on the page for 6 s
        tab.logIn("alice", "alice");
        tab.idle(6000);

        // Then nothing refreshed
        measured("30-day token", "wireRefreshRequests=" + proxy.refreshRequests() + " stats=" + tab.stats());
        assertEquals(0, proxy.refreshRequests(), "refresh requests on the wire");
        assertEquals(0, tab.stat("refreshCalls"), "refresh requests counted by the page");
        assertTrue((Boolean) tab.page().evaluate("() => window.__demo.client.accessTokenExpiresAt - Date.now() > 29 * 24 * 3600 * 1000"));
        assertEquals("logged-in", tab.state());
    }

    @Test
    void anApiThatRejectsEveryTokenCausesAtMostOneRefreshPerTokenAndNoLoop() throws Exception {
        // Given an API that rejects every token of the realm with 401 invalid_token (it expects another audience)
        Server strictApp = DemoServer.newServer(0, appConfig(Map.of(DemoConfig.API_AUDIENCE, "another-api")));
        strictApp.start();
        try {
            String strictUrl = urlOf(strictApp);
            letTheSpasLogInFrom(strictUrl);
            BrowserTraffic strictTraffic = BrowserTraffic.watch(context, strictUrl);
            DemoPage tab = DemoPage.open(context, strictUrl, proxy.url(), "?proactive=off");
            // (the page's first call after login, /api/me, is rejected: one refresh, one retry, rejected again)
            tab.logIn("alice", "alice", false);
            tab.waitUntil("s.apiCalls >= 1 && s.apiOk + s.apiFailed === s.apiCalls");

            // When she clicks "Call API ×20 at once", twice
            for (int burst = 1; burst <= 2; burst++) {
                int calls = tab.stat("apiCalls");
                tab.click("call-api-20");
                tab.waitUntil("s.apiCalls === " + (calls + 20) + " && s.apiOk + s.apiFailed === s.apiCalls");
            }

            // Then the token endpoint was called once for all of it, and every call failed with the API's 401 (surfaced)
            measured("API rejecting every token", "wireRefreshRequests=" + proxy.refreshRequests() + " apiRequests="
                    + strictTraffic.apiRequests() + " stats=" + tab.stats());
            assertEquals(1, proxy.refreshRequests(), "refresh requests on the wire");
            assertEquals(0, tab.stat("apiOk"));
            assertEquals(1 + 1 + 40, strictTraffic.apiRequests(), "API requests: /api/me, its retry, 40 calls without retry");
            assertEquals("logged-in", tab.state(), "a rejecting API is no reason to end the session");
        } finally {
            strictApp.stop();
        }
    }
}
