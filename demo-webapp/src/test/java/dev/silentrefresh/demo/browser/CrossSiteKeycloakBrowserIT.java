package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.DemoServer;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * Keycloak on another site than the app (issue 14, items 8 and 2): the app at {@code http://localhost:<port>}, Keycloak
 * (through the proxy) at {@code http://127.0.0.1:<port>}, two different sites. A hidden iframe's requests to Keycloak are
 * then third-party: Chromium does not send Keycloak's session cookies with them (over plain HTTP they cannot be
 * {@code SameSite=None}, which needs {@code Secure}), exactly as Safari, Firefox and Brave treat them with third-party
 * cookies blocked. A top-level navigation to Keycloak still carries them.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class CrossSiteKeycloakBrowserIT extends BrowserTest {

    private static Server crossSiteApp;
    private static String crossSiteAppUrl;

    private String keycloakUrl;
    private final List<String> keycloakNavigations = new CopyOnWriteArrayList<>();
    private final List<String> silentCallbacks = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startTheAppOnAnotherSiteThanKeycloak() throws Exception {
        keycloakUrl = proxy.url().replace("//localhost:", "//127.0.0.1:");
        if (crossSiteApp == null) {
            crossSiteApp = DemoServer.newServer(0, appConfig(Map.of(DemoConfig.KEYCLOAK_URL, keycloakUrl)));
            crossSiteApp.start();
            crossSiteAppUrl = urlOf(crossSiteApp);
        }
        letTheSpasLogInFrom(crossSiteAppUrl);
        // what the browser did with Keycloak: top-level navigations (with or without prompt=none) and the silent iframe's answers
        context.onRequest(request -> {
            String url = request.url();
            if (request.isNavigationRequest() && url.startsWith(keycloakUrl + "/realms/demo/protocol/openid-connect/auth")
                    && request.frame().parentFrame() == null) {
                keycloakNavigations.add(url.contains("prompt=none") ? "top-level prompt=none" : "top-level login page");
            }
            if (request.isNavigationRequest() && url.startsWith(crossSiteAppUrl + "silent-callback.html")) {
                silentCallbacks.add(url.contains("error=") ? url.replaceAll(".*[?&]error=([^&]*).*", "$1") : "code");
            }
        });
    }

    @AfterAll
    static void stopTheCrossSiteApp() throws Exception {
        if (crossSiteApp != null) {
            crossSiteApp.stop();
            crossSiteApp = null;
        }
    }

    @Test
    void aNewTabWhoseSilentIframeSeesNoKeycloakCookiesLogsInWithATopLevelPromptNoneRedirect() {
        // Given alice logged in, then closed the app's last tab: her Keycloak SSO session lives, no token owner does
        DemoPage first = open("");
        first.logIn("alice", "alice");
        String sessionId = first.sessionId();
        first.page().close();
        proxy.reset();
        keycloakNavigations.clear();

        // When she opens the app in a new tab, and does nothing
        Page tab = context.newPage();
        tab.navigate(crossSiteAppUrl);
        boolean loggedIn = awaitAcrossNavigations(tab, "s.state === 'logged-in' && s.apiOk >= 1", 30_000);

        // Then the iframe got no session (its cookies were blocked), and a top-level prompt=none redirect logged her in:
        // no login page, no click, the same SSO session, one code exchange
        DemoPage page = DemoPage.of(tab, crossSiteAppUrl, keycloakUrl);
        measured("third-party cookies blocked, new tab", "loggedIn=" + loggedIn + " silentIframeAnswers=" + silentCallbacks
                + " keycloakNavigations=" + keycloakNavigations + " codeExchanges=" + proxy.codeExchanges()
                + " wireRefreshRequests=" + proxy.refreshRequests() + " state=" + page.state());
        assertTrue(silentCallbacks.contains("login_required"), "the iframe's answer (were the cookies really blocked?): " + silentCallbacks);
        assertTrue(loggedIn, () -> "not logged in without a click; the page's log:\n" + logsOf(page));
        assertEquals(List.of("top-level prompt=none"), keycloakNavigations, "top-level navigations to Keycloak");
        assertEquals(sessionId, page.sessionId(), "the Keycloak SSO session");
        assertEquals(1, proxy.codeExchanges(), "code exchanges: the silent top-level one");
        assertEquals(0, proxy.refreshRequests(), "refresh requests");
        assertEquals(0, page.stat("loginViewShown"), "the page after the redirect showed the login screen");
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events");
        assertEquals(crossSiteAppUrl, tab.url(), "the callback parameters are gone from the address bar");
    }

    @Test
    void aRefreshTriedOfflineWaitsForTheNetworkAndKeepsTheFamilyWhereNoSilentLoginCanHelp() {
        // Given alice is logged in (proactive refresh off: only the refresh below happens)
        DemoPage tab = open("?proactive=off");
        tab.logIn("alice", "alice");
        String family = tab.family();
        String sessionId = tab.sessionId();
        OwnerWorker owner = OwnerWorker.of(browser, tab);

        // When the device goes offline and the page wants a refresh, and the device is back online six seconds later (longer
        // than every retry inside the grace window would take)
        context.setOffline(true);
        owner.setOffline(true);
        tab.click("refresh-button");
        tab.idle(6_000);
        int wireWhileOffline = proxy.refreshRequests();
        int attemptsWhileOffline = tab.stat("refreshCalls");
        context.setOffline(false);
        owner.setOffline(false);
        tab.waitUntil("s.state === 'logged-out' || (c.refreshTokenInfo && c.refreshTokenInfo.generation >= 1)", 30_000);

        // Then nothing left the machine while offline, the same token was sent once the network was back, and she is still
        // logged in with the same family
        measured("offline refresh, cookies blocked", "clientAttemptsWhileOffline=" + attemptsWhileOffline + " wireWhileOffline=" + wireWhileOffline
                + " wireRefreshRequests=" + proxy.refreshRequests() + " codeExchanges=" + proxy.codeExchanges()
                + " silentIframeAnswers=" + silentCallbacks + " refreshErrors=" + refreshErrors() + " state=" + tab.state());
        assertEquals(0, wireWhileOffline, "refresh requests that reached Keycloak while offline (the emulation leaked)");
        assertEquals("logged-in", tab.state(), () -> "logged out after being offline:\n" + logsOf(tab));
        assertEquals(family, tab.family(), "the family (a silent login replaced the refresh token)");
        assertEquals(1, proxy.refreshRequests(), "refresh requests on the wire: one, after the network came back");
        assertEquals(1, proxy.codeExchanges(), "code exchanges: the login");
        assertEquals(sessionId, tab.sessionId());
        assertEquals(0, tab.stat("loginViewShown"), "the login screen was shown");
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events");
        owner.close();
    }

    @Override
    DemoPage open(String query) {
        return DemoPage.open(context, crossSiteAppUrl, keycloakUrl, query);
    }

    /** Waits for a condition over the demo page's state, through any navigations (redirects to Keycloak and back). */
    private static boolean awaitAcrossNavigations(Page tab, String condition, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            try {
                Object met = tab.evaluate("() => { const d = window.__demo; if (!d) return false; const s = d.stats; const c = d.client; return !!("
                        + condition + ") }");
                if (Boolean.TRUE.equals(met)) {
                    return true;
                }
            } catch (PlaywrightException e) {
                // the page is navigating
            }
            tab.waitForTimeout(200);
        }
        return false;
    }
}
