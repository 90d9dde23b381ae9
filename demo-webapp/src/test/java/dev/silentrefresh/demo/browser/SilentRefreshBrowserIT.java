package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.DemoServer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ComponentTypeRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserSessionRepresentation;
import org.keycloak.representations.info.ServerInfoRepresentation;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;
import org.keycloak.testframework.server.KeycloakUrls;

/**
 * The browser client against the real thing: a headless Chromium runs the demo page served by the real Jetty app, which
 * logs in through a real Keycloak 26.7.3 (started by Keycloak's test framework, {@code kc.sh start-dev}) with this
 * project's {@code refresh-token-rotation} executor deployed and the project's {@code realm-export.json} imported.
 *
 * <p>The realm's access tokens are shortened to {@value #ACCESS_TOKEN_SECONDS} s so a test can watch several expiries.
 * Each test gets a fresh browser context (no cookies, no storage) and starts without any session of alice in Keycloak
 * and without any recorded event. Token-endpoint traffic is counted three ways: by Playwright (every request the
 * browser sent), by the page itself ({@code window.__demo.stats}) and by Keycloak's event store.
 */
@KeycloakIntegrationTest(config = SilentRefreshBrowserIT.KeycloakWithRotationExtension.class)
class SilentRefreshBrowserIT {

    static final Path SERVER_LOG = Path.of("target", "keycloak-server.log").toAbsolutePath();
    static final Path SCREENSHOT = Path.of("target", "silent-refresh.png").toAbsolutePath();

    private static final String SPA = "demo-spa";
    private static final String EXECUTOR = "refresh-token-rotation";
    private static final String EXECUTOR_SPI = "org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider";
    private static final String REUSED = "refresh_token_reused";
    private static final int ACCESS_TOKEN_SECONDS = 10;
    private static final int CLOCK_SKEW_SECONDS = 1;
    private static final int SIMULTANEOUS_ROUNDS = 15;
    /** How far the API's clock runs ahead in the reactive-refresh test; the browser refreshes 5 s before expiry. */
    private static final int API_CLOCK_AHEAD_SECONDS = 9;
    /** The client's back-off before retries 1, 2 and 3 of one refresh (silent-refresh.js: 1 s, 2 s, 4 s). */
    private static final long[] BACKOFF_MILLIS = {1000, 2000, 4000};

    @InjectAdminClient
    Keycloak admin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    private static Chromium chromium;
    private static Browser browser;
    private static Server app;
    private static String appUrl;

    private RealmResource realm;
    private String aliceId;
    private BrowserContext context;
    private BrowserTraffic traffic;

    @BeforeAll
    static void launchChromium() {
        chromium = Chromium.launch();
        browser = chromium.browser();
    }

    @BeforeEach
    void startTheAppAndPrepareTheRealm() throws Exception {
        if (app == null) {
            app = DemoServer.newServer(0, appConfig());
            app.start();
            appUrl = urlOf(app);
        }
        realm = demoRealm.admin();
        letTheSpaLogInFrom(appUrl);
        RealmRepresentation settings = realm.toRepresentation();
        if (settings.getAccessTokenLifespan() == null || settings.getAccessTokenLifespan() != ACCESS_TOKEN_SECONDS) {
            settings.setAccessTokenLifespan(ACCESS_TOKEN_SECONDS);
            realm.update(settings);
        }
        aliceId = realm.users().search("alice", true).get(0).getId();
        realm.users().get(aliceId).logout();
        realm.clearEvents();

        context = browser.newContext();
        traffic = BrowserTraffic.watch(context, tokenUrl(), appUrl);
    }

    @AfterEach
    void closeTheBrowserContext() {
        if (context != null) {
            context.close();
        }
    }

    @AfterAll
    static void stopChromiumAndTheApp() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
        if (app != null) {
            app.stop();
            app = null;
        }
    }

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
        DemoPage tab = DemoPage.open(context, appUrl, urls.getBase(), "");
        assertEquals("logged-out", tab.state());
        assertTrue(tab.visible("login-view"));

        // When alice types a wrong password on Keycloak's login page
        tab.goToKeycloakLogin();
        tab.submitCredentials("alice", "not-her-password");
        tab.page().waitForFunction("() => !!document.body && document.body.innerText.includes('Invalid username or password.')", null,
                new Page.WaitForFunctionOptions().setPollingInterval(100));

        // Then Keycloak shows its own error on its own page, and she is not logged in
        assertTrue(tab.page().url().startsWith(urls.getBase() + "/realms/demo/"), "the browser left Keycloak's page");
        assertTrue(tab.page().isVisible("#kc-login"), "Keycloak's login form is gone");
        List<EventRepresentation> loginErrors = awaitEvents("LOGIN_ERROR", event -> true, 1);
        assertEquals(List.of("invalid_user_credentials"), errorsOf(loginErrors));
        assertEquals(0, traffic.codeExchanges(), "no code was exchanged for tokens");
        assertTrue(aliceSessions().isEmpty(), "Keycloak has a session for alice");

        // When she then types the right password
        tab.submitCredentials("alice", "alice");
        tab.waitUntilLoggedIn();

        // Then the app shows her name and e-mail
        assertEquals("Alice Liddell", tab.text("user-name"));
        assertEquals("alice@example.com", tab.text("user-email"));
        assertTrue(tab.visible("app-view"));
        assertFalse(tab.visible("login-view"));
        assertEquals(1, traffic.codeExchanges());
    }

    // --- 2. silent refresh ---------------------------------------------------------------------------------------

    @Test
    void stayingOnThePageAcrossThreeTokenLifetimesRefreshesSilentlyAndEveryApiCallSucceeds() throws Exception {
        // Given alice is logged in
        DemoPage tab = DemoPage.open(context, appUrl, urls.getBase(), "");
        tab.logIn("alice", "alice");
        int firstGeneration = tab.shownGeneration();
        String sessionId = tab.sessionId();
        assertNotNull(sessionId, "the access token has no sid");

        // When she keeps using the app for three access-token lifetimes, calling the API every 2 s
        int clicks = clickEvery(List.of(tab), 2000, Duration.ofSeconds(3L * ACCESS_TOKEN_SECONDS + 2));
        tab.waitUntil("s.apiOk + s.apiFailed === s.apiCalls");
        // (and the measurement ends right after a refresh, so none is half-way)
        waitForTheNextRefresh(tab);

        // Then every call succeeded, without a single 401 retry
        Map<String, Object> stats = tab.stats();
        assertEquals(0, tab.stat("apiFailed"), "failed API calls: " + stats);
        assertEquals(0, tab.stat("retries"), "API calls retried after a 401: " + stats);
        assertTrue(tab.stat("apiOk") >= 2 * clicks, "API calls that succeeded: " + stats);
        // and the tokens were refreshed: the generation on the page went up, once per token-endpoint request
        int rotations = tab.shownGeneration() - firstGeneration;
        measured("silent refresh", "rotations=" + rotations + " browserRefreshRequests=" + traffic.refreshRequests()
                + " keycloakRefreshEvents=" + events("REFRESH_TOKEN").size() + " stats=" + stats);
        assertTrue(rotations >= 3, "rotations over three lifetimes: " + rotations);
        assertEquals(tab.generation(), tab.shownGeneration(), "the page shows the generation the client holds");
        assertEquals(rotations, traffic.refreshRequests(), "refresh requests seen by the browser");
        assertEquals(rotations, tab.stat("refreshCalls"), "refresh requests counted by the page");
        assertEquals(rotations, awaitEvents("REFRESH_TOKEN", inSession(sessionId), rotations).size(),
                "REFRESH_TOKEN events in Keycloak");
        assertEquals(List.of(), errorsOf(events("REFRESH_TOKEN_ERROR")), "REFRESH_TOKEN_ERROR events in Keycloak");
        assertEquals("logged-in", tab.state());

        tab.page().screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOT).setFullPage(true));
        assertTrue(Files.size(SCREENSHOT) > 0);
    }

    // --- 3. single flight ----------------------------------------------------------------------------------------

    @Test
    void twentyConcurrentCallsOnAnExpiredTokenCauseExactlyOneRefresh() {
        // Given alice is logged in with the proactive refresh switched off
        DemoPage tab = DemoPage.open(context, appUrl, urls.getBase(), "?proactive=off");
        tab.logIn("alice", "alice");
        assertEquals(Boolean.FALSE, tab.stats().get("proactive"), "the ?proactive=off knob did not survive the login");
        String sessionId = tab.sessionId();

        // And her access token has expired, beyond the API's clock skew
        tab.waitUntil("Date.now() > c.accessTokenExpiresAt + " + (CLOCK_SKEW_SECONDS * 1000 + 1000), 30_000);
        assertEquals(0, traffic.refreshRequests(), "something refreshed although the proactive timer is off");
        int apiCallsBefore = tab.stat("apiCalls");
        int apiRequestsBefore = traffic.apiRequests();

        // When she clicks "Call API ×20 at once"
        tab.click("call-api-20");
        tab.waitUntil("s.apiCalls === " + (apiCallsBefore + 20) + " && s.apiOk + s.apiFailed === s.apiCalls");
        tab.page().waitForFunction("() => document.getElementById('api-result').textContent.includes('20 parallel')");

        // Then exactly one refresh went to the token endpoint, and all 20 calls succeeded
        measured("single flight", "browserRefreshRequests=" + traffic.refreshRequests() + " keycloakRefreshEvents="
                + events("REFRESH_TOKEN").size() + " apiRequests=" + (traffic.apiRequests() - apiRequestsBefore) + " stats=" + tab.stats());
        assertEquals(1, traffic.refreshRequests(), "refresh requests seen by the browser");
        assertEquals(1, tab.stat("refreshCalls"), "refresh requests counted by the page");
        assertEquals(1, awaitEvents("REFRESH_TOKEN", inSession(sessionId), 1).size(), "REFRESH_TOKEN events in Keycloak");
        assertEquals(0, tab.stat("apiFailed"), "failed API calls: " + tab.stats());
        assertEquals(apiCallsBefore + 20, tab.stat("apiOk"));
        assertEquals(apiRequestsBefore + 20, traffic.apiRequests(), "API requests sent (none re-sent)");
        assertTrue(tab.text("api-result").contains("20 ok, 0 failed"), tab.text("api-result"));
        assertEquals(1, tab.generation(), "one rotation after login");
    }

    // --- 4. two tabs ---------------------------------------------------------------------------------------------

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
            letTheSpaLogInFrom(aheadUrl);
            BrowserTraffic aheadTraffic = BrowserTraffic.watch(context, tokenUrl(), aheadUrl);
            DemoPage tab = DemoPage.open(context, aheadUrl, urls.getBase(), "?proactive=off");
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
            measured("reactive refresh", "browserRefreshRequests=" + traffic.refreshRequests() + " apiRequests="
                    + (aheadTraffic.apiRequests() - apiRequestsBefore) + " stats=" + tab.stats());
            assertEquals(20, tab.stat("retries"), "requests retried after a 401 invalid_token");
            assertEquals(40, aheadTraffic.apiRequests() - apiRequestsBefore, "API requests: 20 rejected, 20 retried, none more");
            assertEquals(1, traffic.refreshRequests(), "refresh requests seen by the browser");
            assertEquals(1, awaitEvents("REFRESH_TOKEN", inSession(sessionId), 1).size(), "REFRESH_TOKEN events in Keycloak");
            assertEquals(0, tab.stat("apiFailed"), "failed API calls: " + tab.stats());
            assertEquals(apiCallsBefore + 20, tab.stat("apiOk"));
        } finally {
            aheadApp.stop();
        }
    }

    @Test
    void twoTabsShareOneTokenFamilyAndRefreshOncePerExpiryForTheWholeBrowser() {
        // Given alice logged in in one tab
        DemoPage first = DemoPage.open(context, appUrl, urls.getBase(), "");
        first.logIn("alice", "alice");
        assertEquals(0, first.generation(), "a login starts a family at generation 0");

        // When she opens a second tab of the app
        DemoPage second = DemoPage.open(context, appUrl, urls.getBase(), "");
        second.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");

        // Then the second tab took the first tab's tokens instead of logging in again
        assertEquals(1, traffic.codeExchanges(), "code exchanges (logins)");
        assertTrue(second.stat("tokensFromPeers") >= 1, "token sets the second tab got from the first");
        assertEquals(first.family(), second.family(), "both tabs hold the same family");
        assertEquals(first.sessionId(), second.sessionId());
        String sessionId = first.sessionId();

        // When both tabs keep calling the API over three access-token lifetimes, with proactive refresh on in both
        int clicks = clickEvery(List.of(first, second), 1500, Duration.ofSeconds(3L * ACCESS_TOKEN_SECONDS + 2));
        first.waitUntil("s.apiOk + s.apiFailed === s.apiCalls");
        second.waitUntil("s.apiOk + s.apiFailed === s.apiCalls");
        waitForTheNextRefresh(first);
        second.waitUntil("c.refreshTokenInfo && c.refreshTokenInfo.generation === " + first.generation());

        // Then there was one refresh per rotation for the whole browser, not one per tab
        int rotations = first.generation();
        measured("two tabs", "rotations=" + rotations + " browserRefreshRequests=" + traffic.refreshRequests()
                + " keycloakRefreshEvents=" + events("REFRESH_TOKEN").size() + " first=" + first.stats() + " second=" + second.stats());
        assertTrue(rotations >= 3, "rotations over three lifetimes: " + rotations);
        assertEquals(rotations, traffic.refreshRequests(),
                () -> "refresh requests seen by the browser (both tabs); the tabs' logs:\n" + logsOf(first, second));
        assertEquals(rotations, first.stat("refreshCalls") + second.stat("refreshCalls"), "refresh requests counted by the pages");
        assertEquals(rotations, awaitEvents("REFRESH_TOKEN", inSession(sessionId), rotations).size(),
                "REFRESH_TOKEN events in Keycloak");
        // and both tabs show the same final generation
        assertEquals(first.shownGeneration(), second.shownGeneration(), "the generation shown in the two tabs");
        assertEquals(rotations, first.shownGeneration());
        // and every API call of both tabs succeeded
        assertEquals(0, first.stat("apiFailed"), "failed API calls in the first tab: " + first.stats());
        assertEquals(0, second.stat("apiFailed"), "failed API calls in the second tab: " + second.stats());
        assertTrue(first.stat("apiOk") + second.stat("apiOk") >= 2 * clicks, "API calls that succeeded");
        // and Keycloak never saw a reused refresh token
        List<String> errors = errorsOf(events("REFRESH_TOKEN_ERROR"));
        assertFalse(errors.contains(REUSED), "refresh_token_reused events: " + errors);
        assertEquals(List.of(), errors, "REFRESH_TOKEN_ERROR events in Keycloak");
    }

    @Test
    void twoTabsRefreshingAtTheSameMomentNeverSpendTheSameRefreshTokenTwice() {
        // Given alice is logged in, in two tabs, with the proactive timers off (only the refreshes below happen)
        DemoPage first = DemoPage.open(context, appUrl, urls.getBase(), "?proactive=off");
        first.logIn("alice", "alice");
        DemoPage second = DemoPage.open(context, appUrl, urls.getBase(), "?proactive=off");
        second.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");
        String sessionId = first.sessionId();

        // When both tabs start a refresh at the same millisecond (what "Refresh now" does), again and again
        for (int round = 1; round <= SIMULTANEOUS_ROUNDS; round++) {
            Object at = first.page().evaluate("() => Date.now() + 300");
            for (DemoPage tab : List.of(first, second)) {
                tab.page().evaluate("at => { setTimeout(() => window.__demo.client.refresh({ force: true }).catch(() => {}), "
                        + "at - Date.now()) }", at);
            }
            for (DemoPage tab : List.of(first, second)) {
                tab.waitUntil("c.refreshTokenInfo && c.refreshTokenInfo.generation >= " + round + " && !c.refreshing");
            }
            first.idle(200);
        }

        // Then every refresh request rotated the family once: none presented a refresh token another tab had already used
        int rotations = first.generation();
        measured("simultaneous refreshes", "rounds=" + SIMULTANEOUS_ROUNDS + " rotations=" + rotations + " browserRefreshRequests="
                + traffic.refreshRequests() + " keycloakRefreshEvents=" + events("REFRESH_TOKEN").size());
        assertEquals(rotations, traffic.refreshRequests(),
                () -> "refresh requests seen by the browser (both tabs); the tabs' logs:\n" + logsOf(first, second));
        assertEquals(rotations, first.stat("refreshCalls") + second.stat("refreshCalls"), "refresh requests counted by the pages");
        assertEquals(rotations, awaitEvents("REFRESH_TOKEN", inSession(sessionId), rotations).size(),
                "REFRESH_TOKEN events in Keycloak");
        assertEquals(List.of(), errorsOf(events("REFRESH_TOKEN_ERROR")), "REFRESH_TOKEN_ERROR events in Keycloak");
        // and both tabs are still logged in, on the same generation
        assertEquals(rotations, second.generation());
        assertEquals("logged-in", first.state());
        assertEquals("logged-in", second.state());
    }

    // --- 5. revoked session --------------------------------------------------------------------------------------

    @Test
    void aSessionRevokedInKeycloakEndsOnTheNextRefreshAndNothingKeepsCalling() {
        // Given alice is logged in
        DemoPage tab = DemoPage.open(context, appUrl, urls.getBase(), "");
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
        assertEquals(1, traffic.refreshRequests(), "one refresh request, refused, and no retry of it");

        // And for the next 12 s nothing calls the token endpoint or the API again
        int refreshes = traffic.refreshRequests();
        int apiRequests = traffic.apiRequests();
        int apiCalls = tab.stat("apiCalls");
        int codeExchanges = traffic.codeExchanges();
        tab.idle(12_000);
        measured("revoked session", "browserRefreshRequests=" + traffic.refreshRequests() + " apiRequests=" + traffic.apiRequests()
                + " refreshErrors=" + errorsOf(events("REFRESH_TOKEN_ERROR")) + " stats=" + tab.stats());
        assertEquals(refreshes, traffic.refreshRequests(), "token-endpoint refresh requests after the session ended");
        assertEquals(codeExchanges, traffic.codeExchanges(), "logins after the session ended");
        assertEquals(apiRequests, traffic.apiRequests(), "API requests after the session ended");
        assertEquals(apiCalls, tab.stat("apiCalls"), "API calls the page started after the session ended");
        assertEquals("logged-out", tab.state());
        assertTrue(tab.page().url().startsWith(appUrl), "the page navigated away");
    }

    // --- 6. replay -----------------------------------------------------------------------------------------------

    @Test
    void replayingAnOldRefreshTokenIsRefusedRevokesTheSessionAndIsRecordedOnce() {
        // Given alice is logged in
        DemoPage tab = DemoPage.open(context, appUrl, urls.getBase(), "");
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
        measured("replay", "browserRefreshRequests=" + traffic.refreshRequests() + " refreshErrors="
                + errorsOf(events("REFRESH_TOKEN_ERROR")) + " stats=" + tab.stats());
        // and the browser sent: two refreshes to age the token, the replay, the app's own refused refresh
        assertEquals(1, tab.stat("replayCalls"));
        assertEquals(3, tab.stat("refreshCalls"));
        assertEquals(4, traffic.refreshRequests());
        // and Keycloak recorded exactly one reuse, and the session is gone
        List<EventRepresentation> reuses = awaitEvents("REFRESH_TOKEN_ERROR", event -> REUSED.equals(event.getError()), 1);
        assertEquals(1, reuses.size(), "refresh_token_reused events: " + errorsOf(events("REFRESH_TOKEN_ERROR")));
        assertEquals(sessionId, reuses.get(0).getSessionId());
        assertFalse(spaIsInSession(sessionId), "demo-spa's session survived the replay");
    }

    // --- 7. network failure --------------------------------------------------------------------------------------

    @Test
    void anUnreachableTokenEndpointIsRetriedWithBackoffAndDoesNotLogTheUserOut() throws Exception {
        // Given alice is logged in
        DemoPage tab = DemoPage.open(context, appUrl, urls.getBase(), "");
        tab.logIn("alice", "alice");
        String sessionId = tab.sessionId();

        // When the token endpoint is unreachable for refreshes
        List<Long> aborted = new CopyOnWriteArrayList<>();
        AutoCloseable outage = tab.page().route(url -> url.equals(tokenUrl()), route -> {
            if (traffic.isRefreshGrant(route.request())) {
                aborted.add(System.nanoTime());
                route.abort("internetdisconnected");
            } else {
                route.resume();
            }
        });
        // and the page refreshes ("Refresh now")
        tab.click("refresh-button");
        tab.page().waitForFunction("() => window.__demo.log.some(e => e.message.includes('tokens kept'))", null,
                new Page.WaitForFunctionOptions().setTimeout(30_000).setPollingInterval(100));

        // Then the refresh was tried four times with growing pauses (1 s, 2 s, 4 s) in between
        List<Long> pauses = new ArrayList<>();
        for (int i = 1; i < aborted.size(); i++) {
            pauses.add((aborted.get(i) - aborted.get(i - 1)) / 1_000_000);
        }
        measured("network failure", "abortedRefreshRequests=" + aborted.size() + " pausesMillis=" + pauses + " stats=" + tab.stats());
        assertEquals(4, aborted.size(), "refresh attempts during the outage");
        assertEquals(4, traffic.failedRefreshRequests());
        assertEquals(4, tab.stat("refreshCalls"), "refresh requests counted by the page");
        for (int i = 0; i < pauses.size(); i++) {
            assertTrue(pauses.get(i) >= BACKOFF_MILLIS[i] - 50, "pause before retry " + (i + 1) + ": " + pauses.get(i) + " ms");
        }
        // and alice is still logged in
        assertEquals("logged-in", tab.state());
        assertTrue(tab.visible("app-view"));
        assertFalse(tab.visible("login-view"));
        assertNull(tab.stats().get("endedReason"));
        assertTrue(tab.text("status").contains("unavailable"), tab.text("status"));
        assertEquals(0, events("REFRESH_TOKEN").size(), "Keycloak saw a refresh during the outage");

        // When the network is back and the page refreshes again
        outage.close();
        int generation = tab.generation();
        tab.click("refresh-button");
        tab.waitForGenerationAbove(generation, 10_000);

        // Then that refresh succeeded and the API works again
        assertEquals(5, traffic.refreshRequests(), "refresh requests seen by the browser");
        assertEquals(4, traffic.failedRefreshRequests());
        assertEquals(1, awaitEvents("REFRESH_TOKEN", inSession(sessionId), 1).size(), "REFRESH_TOKEN events in Keycloak");
        int apiOk = tab.stat("apiOk");
        tab.click("call-api");
        tab.waitUntil("s.apiOk === " + (apiOk + 2) + " && s.apiOk + s.apiFailed === s.apiCalls");
        assertEquals(0, tab.stat("apiFailed"), "failed API calls: " + tab.stats());
        assertEquals("logged-in", tab.state());
    }

    // --- 8. logout -----------------------------------------------------------------------------------------------

    @Test
    void loggingOutEndsTheKeycloakSessionAndLogsOutTheOtherTabToo() {
        // Given alice is logged in, in two tabs
        DemoPage first = DemoPage.open(context, appUrl, urls.getBase(), "");
        first.logIn("alice", "alice");
        DemoPage second = DemoPage.open(context, appUrl, urls.getBase(), "");
        second.waitUntil("s.state === 'logged-in'");
        String sessionId = first.sessionId();
        assertTrue(aliceSessions().stream().anyMatch(s -> sessionId.equals(s.getId())), "no Keycloak session to log out of");
        // (kept to show below that logging out revokes it; the demo's replay accessor is the only way to read it)
        String refreshTokenBeforeLogout = (String) first.page().evaluate("() => window.__demo.client.currentRefreshTokenForReplayDemo()");

        // When she clicks "Log out" in the first tab
        first.page().evaluate("() => { window.__beforeLogout = true }");
        first.click("logout-button");
        // (the tab goes to Keycloak's end-session endpoint and comes back to a freshly loaded page)
        first.waitUntil("!window.__beforeLogout && s.state === 'logged-out'");

        // Then the first tab went through Keycloak's end-session endpoint, which sent it back to the app
        assertTrue(traffic.endpointExchanges().contains("GET /realms/demo/protocol/openid-connect/logout -> 302"),
                "exchanges with Keycloak's endpoints: " + traffic.endpointExchanges());
        assertTrue(first.page().url().startsWith(appUrl), "the first tab did not come back to the app");
        // and it is on the login view
        assertTrue(first.visible("login-view"));
        assertFalse(first.visible("app-view"));
        assertEquals("You logged out.", first.text("login-reason"));
        // and the second tab is logged out too
        assertEquals("logged-out", second.state());
        assertTrue(second.visible("login-view"));
        assertFalse(second.visible("app-view"));
        assertEquals("You logged out in another tab.", second.text("login-reason"));
        // and Keycloak has no session with that id any more, and recorded a successful logout of it
        assertTrue(aliceSessions().stream().noneMatch(s -> sessionId.equals(s.getId())), "the Keycloak session survived the logout");
        measured("logout", "keycloakExchanges=" + traffic.endpointExchanges() + " logoutEvents=" + events("LOGOUT").size()
                + " logoutErrors=" + errorsOf(events("LOGOUT_ERROR")));
        assertEquals(1, awaitEvents("LOGOUT", inSession(sessionId), 1).size(), "LOGOUT events for the session");
        assertEquals(List.of(), errorsOf(events("LOGOUT_ERROR")), "LOGOUT_ERROR events");
        // and the refresh token the tabs held is dead: it buys nothing any more
        HttpResponse<String> refreshAfterLogout = postRefreshGrant(refreshTokenBeforeLogout);
        assertEquals(400, refreshAfterLogout.statusCode(), "a refresh with the logged-out refresh token");
        assertTrue(refreshAfterLogout.body().contains("\"invalid_grant\""), "the refusal is invalid_grant");
    }

    /** A refresh-token grant sent straight to Keycloak's token endpoint, as anyone holding the token could. */
    private HttpResponse<String> postRefreshGrant(String refreshToken) {
        String form = "grant_type=refresh_token&client_id=demo-spa&refresh_token="
                + URLEncoder.encode(refreshToken, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(urls.getToken("demo")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("the token endpoint could not be reached", e);
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    public static class KeycloakWithRotationExtension implements KeycloakServerConfig {
        @Override
        public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
            config.log().handlers(KeycloakServerConfigBuilder.LogHandlers.FILE);
            // hot-deployable: the framework jars the sibling module's target/classes (kc.test.server.hot.deploy=true)
            return config.dependency("dev.silentrefresh", "keycloak-extension", true)
                    .option("log-file", SERVER_LOG.toString());
        }
    }

    /** Adds the app's origin (random port) to demo-spa's redirect URI, web origins and post-logout redirect URI. */
    private void letTheSpaLogInFrom(String url) {
        ClientRepresentation spa = realm.clients().findByClientId(SPA).get(0);
        String origin = url.substring(0, url.length() - 1);
        if (spa.getRedirectUris().contains(url)) {
            return;
        }
        List<String> redirectUris = new ArrayList<>(spa.getRedirectUris());
        redirectUris.add(url);
        spa.setRedirectUris(redirectUris);
        List<String> webOrigins = new ArrayList<>(spa.getWebOrigins());
        webOrigins.add(origin);
        spa.setWebOrigins(webOrigins);
        spa.getAttributes().merge("post.logout.redirect.uris", url, (old, added) -> old + "##" + added);
        realm.clients().get(spa.getId()).update(spa);
    }

    private DemoConfig appConfig() {
        return DemoConfig.fromMap(Map.of(
                DemoConfig.KEYCLOAK_URL, urls.getBase(),
                DemoConfig.CLOCK_SKEW_SECONDS, String.valueOf(CLOCK_SKEW_SECONDS)));
    }

    private static String urlOf(Server server) {
        return "http://localhost:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/";
    }

    private String tokenUrl() {
        return urls.getBase() + "/realms/demo/protocol/openid-connect/token";
    }

    /**
     * Clicks "Call API" in each tab in turn, one click every {@code everyMillis}, for {@code duration}.
     *
     * @return the number of clicks
     */
    private static int clickEvery(List<DemoPage> tabs, long everyMillis, Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        int clicks = 0;
        while (System.nanoTime() < end) {
            DemoPage tab = tabs.get(clicks % tabs.size());
            tab.waitUntil("!document.getElementById('call-api').disabled");
            tab.click("call-api");
            clicks++;
            tab.idle(everyMillis);
        }
        return clicks;
    }

    /** Waits for the next refresh to complete, and a second more for the other tabs and Keycloak's event store. */
    private static void waitForTheNextRefresh(DemoPage tab) {
        int generation = tab.generation();
        tab.waitForGenerationAbove(generation, 2_000L * ACCESS_TOKEN_SECONDS);
        tab.idle(1000);
    }

    /** True while Keycloak has the user session {@code sessionId} with a client session of demo-spa in it. */
    private boolean spaIsInSession(String sessionId) {
        return aliceSessions().stream()
                .anyMatch(session -> sessionId.equals(session.getId()) && session.getClients().containsValue(SPA));
    }

    private List<UserSessionRepresentation> aliceSessions() {
        return realm.users().get(aliceId).getUserSessions();
    }

    private static Predicate<EventRepresentation> inSession(String sessionId) {
        return event -> sessionId.equals(event.getSessionId());
    }

    /** This test's events of one type for demo-spa (the events are cleared before each test). */
    private List<EventRepresentation> events(String type) {
        return realm.getEvents(List.of(type), SPA, null, null, null, null, 0, 1000);
    }

    /** Like {@link #events(String)}, filtered, waiting up to 5 s for at least {@code expected} (the store may lag). */
    private List<EventRepresentation> awaitEvents(String type, Predicate<EventRepresentation> filter, int expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            List<EventRepresentation> found = events(type).stream().filter(filter).toList();
            if (found.size() >= expected || System.nanoTime() > deadline) {
                return found;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return found;
            }
        }
    }

    /** The logs of some tabs, for the message of a failed assertion. */
    private static String logsOf(DemoPage... tabs) {
        StringBuilder logs = new StringBuilder();
        for (int i = 0; i < tabs.length; i++) {
            logs.append("--- tab ").append(i + 1).append('\n').append(String.join("\n", tabs[i].logLines())).append('\n');
        }
        return logs.toString();
    }

    /** Prints what a test measured (counts and error codes only, never a token), for the build log. */
    private static void measured(String test, String what) {
        System.out.println("[measured] " + test + ": " + what);
    }

    /** The error codes of events (never their details), for assertions and their messages. */
    private static List<String> errorsOf(List<EventRepresentation> events) {
        return events.stream().map(EventRepresentation::getError).collect(Collectors.toList());
    }
}
