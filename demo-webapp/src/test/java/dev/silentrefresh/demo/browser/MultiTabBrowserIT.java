package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.microsoft.playwright.Page;
import org.junit.jupiter.api.Test;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * Several tabs of one browser: one token owner (a SharedWorker) for all of them, so one refresh per expiry for the browser
 * however many tabs (1, 2 and 5 tabs, three browsers side by side); a new tab logs in silently from the Keycloak SSO session; a login racing a refresh ends no session;
 * a forged message from another same-origin page gets no refresh token and logs nobody out.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class MultiTabBrowserIT extends BrowserTest {

    static final java.nio.file.Path SCREENSHOT = java.nio.file.Path.of("target", "silent-refresh.png").toAbsolutePath();
    /** The README's picture of the demo page, taken after several silent refreshes (the one-tab browser) and committed. */
    static final java.nio.file.Path DOCS_SCREENSHOT = java.nio.file.Path.of("..", "docs", "demo-page.png").toAbsolutePath().normalize();
    private static final int SIMULTANEOUS_ROUNDS = 10;
    private static final List<Integer> TAB_COUNTS = List.of(1, 2, 5);

    private static void takeTheScreenshots(DemoPage tab) throws java.io.IOException {
        tab.page().screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOT).setFullPage(true));
        assertTrue(java.nio.file.Files.size(SCREENSHOT) > 0);
        java.nio.file.Files.createDirectories(DOCS_SCREENSHOT.getParent());
        tab.page().screenshot(new Page.ScreenshotOptions().setPath(DOCS_SCREENSHOT).setFullPage(false));
        assertTrue(java.nio.file.Files.size(DOCS_SCREENSHOT) > 0);
    }

    /** One browser (a context of its own) with its tabs, and what was read from it before it was closed. */
    private final class OneBrowser {
        final com.microsoft.playwright.BrowserContext context;
        final List<DemoPage> tabs = new ArrayList<>();
        final String sessionId;
        int rotations;
        int apiOk;
        int apiFailed;
        int retries;
        final List<String> states = new ArrayList<>();
        final List<Integer> refreshCallsPerTab = new ArrayList<>();
        final List<Integer> shownGenerations = new ArrayList<>();

        OneBrowser(com.microsoft.playwright.BrowserContext context, int tabCount) {
            this.context = context;
            DemoPage first = open(context, "");
            first.logIn("alice", "alice");
            assertEquals(0, first.generation(), "a login starts a family at generation 0");
            this.tabs.add(first);
            for (int i = 1; i < tabCount; i++) {
                DemoPage tab = open(context, "");
                tab.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");
                this.tabs.add(tab);
            }
            this.sessionId = first.sessionId();
        }

        /** Reads the counts, then closes the browser (its owner ends with it). */
        void finish() {
            this.rotations = this.tabs.get(0).generation();
            for (DemoPage tab : this.tabs) {
                this.apiOk += tab.stat("apiOk");
                this.apiFailed += tab.stat("apiFailed");
                this.retries += tab.stat("retries");
                this.states.add(tab.state());
                this.refreshCallsPerTab.add(tab.stat("refreshCalls"));
                this.shownGenerations.add(tab.shownGeneration());
            }
            this.context.close();
        }
    }

    /**
     * One browser with one tab, one with two and one with five, side by side (three browser contexts: three owners, three
     * Keycloak sessions of alice, counted apart by session), all calling the API over three access-token lifetimes.
     * Side by side because the scenario is mostly waiting for tokens to expire: one wait serves the three.
     */
    @Test
    void eachBrowserRefreshesOncePerExpiryWhateverTheNumberOfItsTabs() throws Exception {
        // Given alice logged in in three browsers, in one tab each, then opening more tabs: 1, 2 and 5
        List<OneBrowser> browsers = new ArrayList<>();
        for (int tabCount : TAB_COUNTS) {
            browsers.add(new OneBrowser(browser.newContext(), tabCount));
        }
        // Then every further tab used its browser's session instead of logging in again: one owner per browser
        for (OneBrowser b : browsers) {
            DemoPage first = b.tabs.get(0);
            assertEquals(1, proxy.codeExchanges(b.sessionId), "code exchanges (logins) of the browser with " + b.tabs.size() + " tab(s)");
            for (DemoPage tab : b.tabs) {
                assertEquals("shared", tab.stats().get("ownerMode"));
                assertEquals(0, tab.stat("loginViewShown"), "a further tab showed the login screen");
                assertEquals(first.family(), tab.family(), "the tabs of one browser show one family");
                assertEquals(b.sessionId, tab.sessionId());
            }
        }

        // When all tabs keep calling the API over three access-token lifetimes, with proactive refresh on everywhere
        List<DemoPage> everyTab = browsers.stream().flatMap(b -> b.tabs.stream()).toList();
        int clicks = clickEvery(everyTab, 400, Duration.ofSeconds(3L * ACCESS_TOKEN_SECONDS + 2));
        // (each browser's measurement ends right after one of its refreshes; its browser is closed then, so nothing moves on)
        for (OneBrowser b : browsers) {
            for (DemoPage tab : b.tabs) {
                tab.waitUntil("s.apiOk + s.apiFailed === s.apiCalls");
            }
            waitForTheNextRefresh(b.tabs.get(0));
            int generation = b.tabs.get(0).generation();
            for (DemoPage tab : b.tabs) {
                tab.waitUntil("c.refreshTokenInfo && c.refreshTokenInfo.generation === " + generation);
            }
            if (b.tabs.size() == 1) {
                takeTheScreenshots(b.tabs.get(0));
            }
            b.finish();
        }

        // Then each browser made exactly one refresh per rotation, however many tabs it had, and every call succeeded
        int ok = 0;
        for (OneBrowser b : browsers) {
            int tabCount = b.tabs.size();
            measured("refreshes per expiry, " + tabCount + " tab(s)", "rotations=" + b.rotations + " wireRefreshRequests=" + proxy.refreshRequests(b.sessionId)
                    + " requestsPerExpiry=" + String.format("%.2f", proxy.refreshRequests(b.sessionId) / (double) b.rotations)
                    + " keycloakRefreshEvents=" + events("REFRESH_TOKEN").stream().filter(inSession(b.sessionId)).count()
                    + " codeExchanges=" + proxy.codeExchanges(b.sessionId) + " apiOk=" + b.apiOk + " apiFailed=" + b.apiFailed);
            assertTrue(b.rotations >= 3, tabCount + " tab(s): rotations over three lifetimes: " + b.rotations);
            assertEquals(b.rotations, proxy.refreshRequests(b.sessionId), tabCount + " tab(s): refresh requests on the wire (one per rotation)");
            assertEquals(b.rotations, awaitEvents("REFRESH_TOKEN", inSession(b.sessionId), b.rotations).size(),
                    tabCount + " tab(s): REFRESH_TOKEN events in Keycloak");
            // (the owner is shared, so each page counts its browser's refreshes)
            assertEquals(List.of(b.rotations), b.refreshCallsPerTab.stream().distinct().toList(), tabCount + " tab(s): refresh requests counted by the pages");
            assertEquals(List.of(b.rotations), b.shownGenerations.stream().distinct().toList(), tabCount + " tab(s): the generation the pages show");
            assertEquals(1, proxy.codeExchanges(b.sessionId), tabCount + " tab(s): logins");
            assertEquals(0, b.apiFailed, tabCount + " tab(s): failed API calls");
            assertEquals(0, b.retries, tabCount + " tab(s): API calls retried after a 401 (every token was refreshed in time)");
            assertEquals(List.of("logged-in"), b.states.stream().distinct().toList(), tabCount + " tab(s): the pages' state");
            ok += b.apiOk;
        }
        assertTrue(ok >= 2 * clicks, "API calls that succeeded: " + ok + " for " + clicks + " clicks");
        // and Keycloak never saw a reused refresh token
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events in Keycloak");
    }

    @Test
    void twoTabsRefreshingAtTheSameMomentNeverSpendTheSameRefreshTokenTwice() {
        // Given alice is logged in, in two tabs, with the proactive timers off (only the refreshes below happen)
        DemoPage first = open("?proactive=off");
        first.logIn("alice", "alice");
        DemoPage second = open("?proactive=off");
        second.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");
        String sessionId = first.sessionId();

        // When both tabs start a refresh at the same millisecond (what "Refresh now" does), again and again
        for (int round = 1; round <= SIMULTANEOUS_ROUNDS; round++) {
            Object at = first.page().evaluate("() => Date.now() + 300");
            for (DemoPage tab : List.of(first, second)) {
                tab.page().evaluate("at => { setTimeout(() => window.__demo.client.refresh().catch(() => {}), at - Date.now()) }", at);
            }
            for (DemoPage tab : List.of(first, second)) {
                tab.waitUntil("c.refreshTokenInfo && c.refreshTokenInfo.generation >= " + round);
            }
            first.idle(300);
        }

        // Then every refresh request rotated the family once: none presented a refresh token already used
        int rotations = first.generation();
        measured("simultaneous refreshes", "rounds=" + SIMULTANEOUS_ROUNDS + " rotations=" + rotations + " wireRefreshRequests="
                + proxy.refreshRequests() + " keycloakRefreshEvents=" + events("REFRESH_TOKEN").size());
        assertEquals(rotations, proxy.refreshRequests(), () -> "refresh requests on the wire; the tabs' logs:\n" + logsOf(first, second));
        assertTrue(rotations >= SIMULTANEOUS_ROUNDS, "rotations: " + rotations);
        assertEquals(rotations, awaitEvents("REFRESH_TOKEN", inSession(sessionId), rotations).size(), "REFRESH_TOKEN events in Keycloak");
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events in Keycloak");
        // and both tabs are still logged in, on the same generation
        second.waitUntil("c.refreshTokenInfo.generation === " + rotations);
        assertEquals("logged-in", first.state());
        assertEquals("logged-in", second.state());
    }

    @Test
    void aNewTabOpenedWhileTheSsoSessionIsAliveAndNoOtherTabIsOpenLogsInSilently() {
        // Given alice logged in in a tab, which she then closed: no tab of the app is open, her Keycloak SSO session lives
        DemoPage first = open("");
        first.logIn("alice", "alice");
        String sessionId = first.sessionId();
        first.page().close();
        // (a SharedWorker ends with its last page)
        proxy.reset();

        // When she opens the app in a new tab
        DemoPage tab = open("");
        tab.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");

        // Then she is logged in without a click: no login screen, one silent code exchange, the same SSO session
        measured("new tab, silent login", "codeExchanges=" + proxy.codeExchanges() + " stats=" + tab.stats());
        assertEquals(0, tab.stat("loginViewShown"), "the login screen was shown");
        assertEquals(1, proxy.codeExchanges(), "code exchanges: the silent login");
        assertEquals(sessionId, tab.sessionId(), "the Keycloak SSO session");
        assertEquals(appUrl, tab.page().url(), "the page navigated (a silent login needs no redirect of the page)");
        assertTrue(tab.logContains("Silent login"), String.join("\n", tab.logLines()));
    }

    @Test
    void aLoginInOneTabWhileAnotherTabRefreshesEndsNoSession() {
        // Given alice is logged in, in two tabs
        DemoPage first = open("?proactive=off");
        first.logIn("alice", "alice");
        DemoPage second = open("?proactive=off");
        second.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");

        // When the first tab refreshes, and Keycloak's answer takes 2 s
        proxy.faultNextRefreshes(new KeycloakProxy.Delay(2000));
        first.page().evaluate("() => { window.__demo.client.refresh().catch(() => {}) }");
        // and meanwhile she logs in in the second tab (Keycloak's SSO session answers at once)
        second.page().evaluate("() => { window.__beforeLogin = true; window.__demo.client.login() }");
        second.waitUntil("!window.__beforeLogin && s.state === 'logged-in' && s.apiOk >= 1", 30_000);
        first.waitUntil("c.refreshTokenInfo && c.refreshTokenInfo.family === '" + second.family() + "'");

        // Then both tabs are logged in, with the newest session, and nothing ended as stale or revoked
        measured("login racing a refresh", "codeExchanges=" + proxy.codeExchanges() + " wireRefreshRequests=" + proxy.refreshRequests()
                + " refreshErrors=" + refreshErrors());
        assertEquals("logged-in", first.state());
        assertEquals("logged-in", second.state());
        assertEquals(0, first.stat("loginViewShown") + second.stat("loginViewShown"), "a login screen was shown");
        assertFalse(first.logContains("Session ended"), String.join("\n", first.logLines()));
        assertEquals(2, proxy.codeExchanges());
        assertEquals(1, proxy.refreshRequests(), "the refresh, once");
        // and the tabs keep working: API calls and a refresh of the new family
        int generation = first.generation();
        first.click("refresh-button");
        first.waitForGenerationAbove(generation, 10_000);
        first.click("call-api");
        second.click("call-api");
        first.waitUntil("s.apiOk + s.apiFailed === s.apiCalls && s.apiCalls >= 3");
        second.waitUntil("s.apiOk + s.apiFailed === s.apiCalls && s.apiCalls >= 3");
        assertEquals(0, first.stat("apiFailed") + second.stat("apiFailed"), "failed API calls");
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events in Keycloak");
    }

    @Test
    void forgedMessagesFromAnotherSameOriginPageGetNoRefreshTokenAndLogNobodyOut() {
        // Given alice is logged in
        // (the intruder's own SharedWorker needs a script URL that Trusted Types would refuse: it got around the CSP)
        ignoreThePagesContentSecurityPolicy();
        DemoPage tab = open("");
        tab.logIn("alice", "alice");
        String family = tab.family();
        int refreshesBefore = proxy.refreshRequests();
        String refreshToken = proxy.lastRefreshToken();
        assertNotNull(refreshToken);

        // When another page of the same origin (not the app) listens on the channels the client could use, posts forged
        // messages there (hello, a token set that claims to be newer, logout, session-ended), and connects to the token
        // owner with forged and malformed messages
        Page intruder = context.newPage();
        intruder.navigate(appUrl + "silent-callback.html");
        String heard = (String) intruder.evaluate("""
                async () => {
                  const heard = []
                  const names = ['silent-refresh:demo-spa', 'silent-refresh:demo-spa:hints']
                  const channels = names.map((name) => {
                    const ch = new BroadcastChannel(name)
                    ch.onmessage = (e) => heard.push(JSON.stringify(e.data))
                    return ch
                  })
                  const forged = [{ v: 1, type: 'hello', from: 'x' },
                    { v: 1, type: 'tokens', from: 'x', tokens: { accessToken: 'a', refreshToken: 'r', idToken: null, receivedAt: 9e15,
                      expiresIn: 60, accessTokenExpiresAt: 9e15, refreshTokenExpiresAt: null, version: 'z' } },
                    { v: 1, type: 'logout', from: 'x' }, { v: 1, type: 'session-ended', from: 'x', code: 'revoked' },
                    { type: 'session-ended' }, { type: 'logged-in' }]
                  for (const ch of channels) for (const m of forged) ch.postMessage(m)
                  const worker = new SharedWorker('/js/demo-owner-worker.js', { type: 'module', name: 'silent-refresh:demo-spa' })
                  worker.port.onmessage = (e) => heard.push(JSON.stringify(e.data))
                  worker.port.start()
                  const toOwner = [null, 42, 'logout', { event: 'session-ended', detail: { code: 'revoked' } },
                    { id: 1, type: 'configure', config: { issuer: 'https://evil.example', clientId: 'demo-spa' } },
                    { id: 2, type: 'callback', href: location.origin + '/?code=forged&state=forged&iss=x' },
                    { id: 3, type: 'rejected', version: -1 }, { id: 4, type: '__proto__' }, { id: 5, type: 'toString' },
                    { id: 6, type: 'tokens', view: { version: 1e9, accessToken: 'forged' } }]
                  for (const m of toOwner) worker.port.postMessage(m)
                  await new Promise((resolve) => setTimeout(resolve, 3000))
                  return heard.join('\\n')
                }""");
        tab.idle(1000);

        // Then no message carried the refresh token, and the tab is still logged in, in the same family, with nothing refreshed
        measured("forged messages", "messagesHeardByTheIntruder=" + heard.lines().count() + " wireRefreshRequests=" + proxy.refreshRequests());
        assertFalse(heard.contains(refreshToken), "the refresh token reached the intruder");
        assertFalse(heard.matches("(?s).*\"(refresh_?[tT]oken|id_?[tT]oken)\"\\s*:.*"), "a message carried a refresh or ID token field");
        assertEquals("logged-in", tab.state());
        assertEquals(family, tab.family());
        assertEquals(0, tab.stat("loginViewShown"));
        assertEquals(refreshesBefore, proxy.refreshRequests(), "forged messages caused refreshes");
        tab.click("call-api");
        tab.waitUntil("s.apiOk >= 3 && s.apiOk + s.apiFailed === s.apiCalls");
        assertEquals(0, tab.stat("apiFailed"));
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events in Keycloak");
    }
}
