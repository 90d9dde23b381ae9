package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import com.microsoft.playwright.Page;
import dev.silentrefresh.demo.DemoServer;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.ComponentTypeRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.info.ServerInfoRepresentation;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * One tab of the demo page: login, one refresh for 20 calls, the 401 path, a revoked session, the replay of an old refresh
 * token, logout (silent refresh across expiries: {@link MultiTabBrowserIT}, whose one-tab browser is this page left open).
 * See {@link BrowserTest} for the stack.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class SilentRefreshBrowserIT extends BrowserTest {


    private static final String EXECUTOR = "refresh-token-rotation";
    private static final String EXECUTOR_SPI = "org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider";
    /** How far the API's clock runs ahead in the reactive-refresh test; the browser refreshes a third of 10 s before expiry. */
    private static final int API_CLOCK_AHEAD_SECONDS = 9;

    @Test
    void theServerIsTheKeycloakThePomPinsWithTheRotationExecutorDeployed() {
        ServerInfoRepresentation info = admin.serverInfo().getInfo();

        assertEquals(System.getProperty("keycloak.version"), info.getSystemInfo().getVersion());
        List<ComponentTypeRepresentation> executors = info.getComponentTypes().get(EXECUTOR_SPI);
        assertNotNull(executors, "no client-policy executors listed");
        assertTrue(executors.stream().anyMatch(type -> EXECUTOR.equals(type.getId())),
                "the refresh-token-rotation executor is not deployed");
    }

    // --- 1. login ------------------------------------------------------------------------------------------------

    @Test
    void loggingInOnKeycloaksPageShowsTheUserAndAWrongPasswordIsRefusedOnKeycloaksPage() {
        // Given a fresh browser on the app's login screen
        DemoPage tab = open("");
        assertEquals("logged-out", tab.state());
        assertTrue(tab.visible("login-view"));

        // When alice types a wrong password on Keycloak's login page
        tab.goToKeycloakLogin();
        tab.submitCredentials("alice", "not-her-password");
        tab.page().waitForFunction("() => !!document.body && document.body.innerText.includes('Invalid username or password.')", null,
                new Page.WaitForFunctionOptions().setPollingInterval(100));

        // Then Keycloak shows its own error on its own page, and she is not logged in
        assertTrue(tab.page().url().startsWith(proxy.url() + "/realms/demo/"), "the browser left Keycloak's page");
        assertTrue(tab.page().isVisible("#kc-login"), "Keycloak's login form is gone");
        List<EventRepresentation> loginErrors = awaitEvents("LOGIN_ERROR", event -> true, 1);
        assertEquals(List.of("invalid_user_credentials"), errorsOf(loginErrors));
        assertEquals(0, proxy.codeExchanges(), "no code was exchanged for tokens");
        assertTrue(aliceSessions().isEmpty(), "Keycloak has a session for alice");

        // When she then types the right password
        tab.submitCredentials("alice", "alice");
        tab.waitUntilLoggedIn();

        // Then the app shows her name and e-mail
        assertEquals("Alice Liddell", tab.text("user-name"));
        assertEquals("alice@example.com", tab.text("user-email"));
        assertTrue(tab.visible("app-view"));
        assertFalse(tab.visible("login-view"));
        assertEquals(1, proxy.codeExchanges());
        assertEquals(1, tab.stat("codeExchanges"), "code exchanges counted by the page");
        // and the callback parameters are gone from the address bar
        assertEquals(appUrl, tab.page().url());
    }

    // --- 2. silent refresh across three expiries: MultiTabBrowserIT (the one-tab browser of its side-by-side run) ---

    // --- 3. single flight ----------------------------------------------------------------------------------------

    @Test
    void twentyConcurrentCallsOnAnExpiredTokenCauseExactlyOneRefresh() {
        // Given alice is logged in with the proactive refresh switched off
        DemoPage tab = open("?proactive=off");
        tab.logIn("alice", "alice");
        assertEquals(Boolean.FALSE, tab.stats().get("proactive"), "the ?proactive=off knob did not survive the login");
        String sessionId = tab.sessionId();

        // And her access token has expired, beyond the API's clock skew
        tab.waitUntil("Date.now() > c.accessTokenExpiresAt + " + (CLOCK_SKEW_SECONDS * 1000 + 1000), 30_000);
        assertEquals(0, proxy.refreshRequests(), "something refreshed although the proactive timer is off");
        int apiCallsBefore = tab.stat("apiCalls");
        int apiRequestsBefore = traffic.apiRequests();

        // When she clicks "Call API ×20 at once"
        tab.click("call-api-20");
        tab.waitUntil("s.apiCalls === " + (apiCallsBefore + 20) + " && s.apiOk + s.apiFailed === s.apiCalls");
        tab.page().waitForFunction("() => document.getElementById('api-result').textContent.includes('20 parallel')");

        // Then exactly one refresh went to the token endpoint, and all 20 calls succeeded
        measured("single flight (20-call burst)", "wireRefreshRequests=" + proxy.refreshRequests() + " keycloakRefreshEvents="
                + events("REFRESH_TOKEN").size() + " apiRequests=" + (traffic.apiRequests() - apiRequestsBefore) + " stats=" + tab.stats());
        assertEquals(1, proxy.refreshRequests(), "refresh requests on the wire");
        assertEquals(1, tab.stat("refreshCalls"), "refresh requests counted by the page");
        assertEquals(1, awaitEvents("REFRESH_TOKEN", inSession(sessionId), 1).size(), "REFRESH_TOKEN events in Keycloak");
        assertEquals(0, tab.stat("apiFailed"), "failed API calls: " + tab.stats());
        assertEquals(apiCallsBefore + 20, tab.stat("apiOk"));
        assertEquals(apiRequestsBefore + 20, traffic.apiRequests(), "API requests sent (none re-sent)");
        assertTrue(tab.text("api-result").contains("20 ok, 0 failed"), tab.text("api-result"));
        assertEquals(1, tab.generation(), "one rotation after login");
    }

    @Test
    void twentyCallsTheApiRejectsAsExpiredShareOneRefreshAndAreEachRetriedOnce() throws Exception {
        // Given an API whose clock runs ahead of Keycloak's, so that it calls access tokens expired which the browser,
        // counting from expires_in, still trusts: this is when the 401 invalid_token path, not the expiry check, acts
        Clock aheadClock = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(API_CLOCK_AHEAD_SECONDS));
        Server aheadApp = DemoServer.newServer(0, appConfig(), DemoServer.class.getResource("/static/").toURI(),
                DemoServer.newAccessTokenVerifier(appConfig(), aheadClock), aheadClock);
        aheadApp.start();
        try {
            String aheadUrl = urlOf(aheadApp);
            letTheSpasLogInFrom(aheadUrl);
            BrowserTraffic aheadTraffic = BrowserTraffic.watch(context, aheadUrl);
            DemoPage tab = DemoPage.open(context, aheadUrl, proxy.url(), "?proactive=off");
            tab.logIn("alice", "alice");
            String sessionId = tab.sessionId();

            // And the API already rejects her access token while the browser has seconds left on it
            long rejectedAfterMillis = (ACCESS_TOKEN_SECONDS + CLOCK_SKEW_SECONDS - API_CLOCK_AHEAD_SECONDS) * 1000L + 500;
            tab.waitUntil("Date.now() > c.accessTokenExpiresAt - " + (ACCESS_TOKEN_SECONDS * 1000L - rejectedAfterMillis), 30_000);
            int apiCallsBefore = tab.stat("apiCalls");
            int apiRequestsBefore = aheadTraffic.apiRequests();

            // When she clicks "Call API ×20 at once"
            tab.click("call-api-20");
            tab.waitUntil("s.apiCalls === " + (apiCallsBefore + 20) + " && s.apiOk + s.apiFailed === s.apiCalls");

            // Then all 20 were rejected with 401 invalid_token, shared one refresh, and were each retried once, successfully
            measured("reactive refresh", "wireRefreshRequests=" + proxy.refreshRequests() + " apiRequests="
                    + (aheadTraffic.apiRequests() - apiRequestsBefore) + " stats=" + tab.stats());
            assertEquals(20, tab.stat("retries"), "requests retried after a 401 invalid_token");
            assertEquals(40, aheadTraffic.apiRequests() - apiRequestsBefore, "API requests: 20 rejected, 20 retried, none more");
            assertEquals(1, proxy.refreshRequests(), "refresh requests on the wire");
            assertEquals(1, tab.stat("refreshCalls"), "refresh requests counted by the page");
            assertEquals(1, awaitEvents("REFRESH_TOKEN", inSession(sessionId), 1).size(), "REFRESH_TOKEN events in Keycloak");
            assertEquals(0, tab.stat("apiFailed"), "failed API calls: " + tab.stats());
            assertEquals(apiCallsBefore + 20, tab.stat("apiOk"));
        } finally {
            aheadApp.stop();
        }
    }

    // --- 4. revoked session --------------------------------------------------------------------------------------

    @Test
    void aSessionRevokedInKeycloakEndsOnTheNextRefreshAndNothingKeepsCalling() {
        // Given alice is logged in
        DemoPage tab = open("");
        tab.logIn("alice", "alice");
        String sessionId = tab.sessionId();
        assertNotNull(sessionId, "the access token has no sid");

        // When an administrator revokes her session in Keycloak
        realm.deleteSession(sessionId, false);
        assertTrue(aliceSessions().stream().noneMatch(s -> sessionId.equals(s.getId())), "the session is still there");
        // and the page refreshes next ("Refresh now")
        tab.click("refresh-button");
        tab.waitUntil("s.state === 'logged-out'");

        // Then the page is on the login screen and says why
        assertTrue(tab.visible("login-view"));
        assertFalse(tab.visible("app-view"));
        assertTrue(tab.visible("login-reason"));
        assertTrue(tab.text("login-reason").startsWith("Your session was revoked"), tab.text("login-reason"));
        assertEquals(1, proxy.refreshRequests(), "one refresh request, refused, and no retry of it");

        // And for the next 12 s nothing calls the token endpoint or the API again
        int refreshes = proxy.refreshRequests();
        int apiRequests = traffic.apiRequests();
        int apiCalls = tab.stat("apiCalls");
        int codeExchanges = proxy.codeExchanges();
        tab.idle(12_000);
        measured("revoked session", "wireRefreshRequests=" + proxy.refreshRequests() + " apiRequests=" + traffic.apiRequests()
                + " refreshErrors=" + refreshErrors() + " stats=" + tab.stats());
        assertEquals(refreshes, proxy.refreshRequests(), "token-endpoint refresh requests after the session ended");
        assertEquals(codeExchanges, proxy.codeExchanges(), "logins after the session ended");
        assertEquals(apiRequests, traffic.apiRequests(), "API requests after the session ended");
        assertEquals(apiCalls, tab.stat("apiCalls"), "API calls the page started after the session ended");
        assertEquals("logged-out", tab.state());
        assertTrue(tab.page().url().startsWith(appUrl), "the page navigated away");
    }

    // --- 5. replay -----------------------------------------------------------------------------------------------

    @Test
    void replayingAnOldRefreshTokenIsRefusedRevokesTheSessionAndIsRecordedOnce() {
        // Given alice is logged in
        DemoPage tab = open("");
        tab.logIn("alice", "alice");
        String sessionId = tab.sessionId();

        // When she clicks "Replay an old refresh token"
        tab.click("replay-button");
        tab.waitUntil("s.state === 'logged-out'");
        tab.page().waitForFunction("() => document.getElementById('replay-result').textContent.includes('the app tried to refresh')");

        // Then the page says Keycloak refused the replay with invalid_grant and revoked the session
        String replay = tab.text("replay-result");
        assertTrue(replay.contains("Keycloak refused it (HTTP 400 invalid_grant"), replay);
        assertTrue(replay.contains("revoked the session"), replay);
        assertTrue(replay.contains("refused too"), replay);
        // and it is on the login screen with a reason
        assertTrue(tab.visible("login-view"));
        assertFalse(tab.visible("app-view"));
        assertTrue(tab.text("login-reason").startsWith("Your session was revoked"), tab.text("login-reason"));
        measured("replay", "wireRefreshRequests=" + proxy.refreshRequests() + " refreshErrors=" + refreshErrors() + " stats=" + tab.stats());
        // and the browser sent: two refreshes to age the token, the replay, the app's own refused refresh
        assertEquals(1, tab.stat("replayCalls"));
        assertEquals(3, tab.stat("refreshCalls"));
        assertEquals(4, proxy.refreshRequests());
        // and Keycloak recorded exactly one reuse, and the session is gone
        List<EventRepresentation> reuses = awaitEvents("REFRESH_TOKEN_ERROR", event -> REUSED.equals(event.getError()), 1);
        assertEquals(1, reuses.size(), "refresh_token_reused events: " + refreshErrors());
        assertEquals(sessionId, reuses.get(0).getSessionId());
        assertFalse(isInSession(sessionId, SPA), "demo-spa's session survived the replay");
    }

    // --- 6. logout -----------------------------------------------------------------------------------------------

    @Test
    void loggingOutEndsTheKeycloakSessionAndLogsOutTheOtherTabToo() {
        // Given alice is logged in, in two tabs
        DemoPage first = open("");
        first.logIn("alice", "alice");
        DemoPage second = open("");
        second.waitUntil("s.state === 'logged-in'");
        String sessionId = first.sessionId();
        assertTrue(aliceSessions().stream().anyMatch(s -> sessionId.equals(s.getId())), "no Keycloak session to log out of");
        // (kept to show below that logging out revokes it; taken from the wire, the pages never see it)
        String refreshTokenBeforeLogout = proxy.lastRefreshToken();
        assertNotNull(refreshTokenBeforeLogout);

        // When she clicks "Log out" in the first tab
        first.click("logout-button");
        // (the token owner POSTs to Keycloak's end-session endpoint itself; the page stays)
        first.waitUntil("s.state === 'logged-out'");

        // Then Keycloak's end-session endpoint got one POST, with the ID token in its body (never in a URL)
        assertEquals(List.of("POST -> 200, id_token_hint in the body"), proxy.endSessionRequests(), "end-session requests");
        assertTrue(first.page().url().startsWith(appUrl), "the first tab left the app");
        // and it is on the login view
        assertTrue(first.visible("login-view"));
        assertFalse(first.visible("app-view"));
        assertEquals("You logged out.", first.text("login-reason"));
        // and the second tab is logged out too
        second.waitUntil("s.state === 'logged-out'");
        assertTrue(second.visible("login-view"));
        assertFalse(second.visible("app-view"));
        assertEquals("You logged out in another tab.", second.text("login-reason"));
        // and Keycloak has no session with that id any more, and recorded a successful logout of it
        assertTrue(aliceSessions().stream().noneMatch(s -> sessionId.equals(s.getId())), "the Keycloak session survived the logout");
        measured("logout", "endSessionRequests=" + proxy.endSessionRequests() + " logoutEvents=" + events("LOGOUT").size()
                + " logoutErrors=" + errorsOf(events("LOGOUT_ERROR")));
        assertEquals(1, awaitEvents("LOGOUT", inSession(sessionId), 1).size(), "LOGOUT events for the session");
        assertEquals(List.of(), errorsOf(events("LOGOUT_ERROR")), "LOGOUT_ERROR events");
        // and the refresh token the tabs held is dead: it buys nothing any more
        HttpResponse<String> refreshAfterLogout = postRefreshGrant(SPA, refreshTokenBeforeLogout);
        assertEquals(400, refreshAfterLogout.statusCode(), "a refresh with the logged-out refresh token");
        assertTrue(refreshAfterLogout.body().contains("\"invalid_grant\""), "the refusal is invalid_grant");
    }
}
