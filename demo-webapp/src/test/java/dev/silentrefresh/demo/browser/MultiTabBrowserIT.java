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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * Several tabs of one browser: one token owner (a SharedWorker) for all of them, so one refresh per expiry for the browser
 * however many tabs; a new tab logs in silently from the Keycloak SSO session; a login racing a refresh ends no session;
 * a forged message from another same-origin page gets no refresh token and logs nobody out.
 */
@KeycloakIntegrationTest(config = BrowserTest.KeycloakWithRotationExtension.class)
class MultiTabBrowserIT extends BrowserTest {

    private static final int SIMULTANEOUS_ROUNDS = 10;

    @Test
    void twoTabsShareOneOwnerAndRefreshOncePerExpiryForTheWholeBrowser() {
        // Given alice logged in in one tab
        DemoPage first = open("");
        first.logIn("alice", "alice");
        assertEquals(0, first.generation(), "a login starts a family at generation 0");

        // When she opens a second tab of the app
        DemoPage second = open("");
        second.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");

        // Then the second tab uses the first tab's session instead of logging in again: one owner for the browser
        assertEquals(1, proxy.codeExchanges(), "code exchanges (logins)");
        assertEquals("shared", second.stats().get("ownerMode"));
        assertEquals(0, second.stat("loginViewShown"), "the second tab showed the login screen");
        assertEquals(first.family(), second.family(), "both tabs show the same family");
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
        measured("two tabs", "rotations=" + rotations + " wireRefreshRequests=" + proxy.refreshRequests()
                + " keycloakRefreshEvents=" + events("REFRESH_TOKEN").size() + " first=" + first.stats() + " second=" + second.stats());
        assertTrue(rotations >= 3, "rotations over three lifetimes: " + rotations);
        assertEquals(rotations, proxy.refreshRequests(), () -> "refresh requests on the wire; the tabs' logs:\n" + logsOf(first, second));
        // (the owner is shared, so each page counts the browser's refreshes)
        assertEquals(rotations, first.stat("refreshCalls"), "refresh requests counted by the first page");
        assertEquals(rotations, second.stat("refreshCalls"), "refresh requests counted by the second page");
        assertEquals(rotations, awaitEvents("REFRESH_TOKEN", inSession(sessionId), rotations).size(), "REFRESH_TOKEN events in Keycloak");
        // and both tabs show the same final generation
        assertEquals(first.shownGeneration(), second.shownGeneration(), "the generation shown in the two tabs");
        assertEquals(rotations, first.shownGeneration());
        // and every API call of both tabs succeeded
        assertEquals(0, first.stat("apiFailed"), "failed API calls in the first tab: " + first.stats());
        assertEquals(0, second.stat("apiFailed"), "failed API calls in the second tab: " + second.stats());
        assertTrue(first.stat("apiOk") + second.stat("apiOk") >= 2 * clicks, "API calls that succeeded");
        // and Keycloak never saw a reused refresh token
        assertEquals(List.of(), refreshErrors(), "REFRESH_TOKEN_ERROR events in Keycloak");
    }

    @ParameterizedTest(name = "{0} tab(s)")
    @ValueSource(ints = {1, 2, 5})
    void theBrowserRefreshesOncePerExpiryWhateverTheNumberOfTabs(int tabCount) {
        // Given alice is logged in, in tabCount tabs
        List<DemoPage> tabs = new ArrayList<>();
        tabs.add(open(""));
        tabs.get(0).logIn("alice", "alice");
        for (int i = 1; i < tabCount; i++) {
            DemoPage tab = open("");
            tab.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");
            tabs.add(tab);
        }
        int startGeneration = tabs.get(0).generation();
        int wireBefore = proxy.refreshRequests();

        // When every tab calls the API for two access-token lifetimes
        clickEvery(tabs, 700, Duration.ofSeconds(2L * ACCESS_TOKEN_SECONDS));
        waitForTheNextRefresh(tabs.get(0));
        for (DemoPage tab : tabs) {
            tab.waitUntil("s.apiOk + s.apiFailed === s.apiCalls");
        }

        // Then each expiry cost exactly one refresh for the whole browser
        int generation = tabs.get(0).generation();
        int rotations = generation - startGeneration;
        int requests = proxy.refreshRequests() - wireBefore;
        int failed = tabs.stream().mapToInt(tab -> tab.stat("apiFailed")).sum();
        measured("refreshes per expiry, " + tabCount + " tab(s)", "rotationsInWindow=" + rotations + " wireRefreshRequestsInWindow=" + requests
                + " requestsPerExpiry=" + String.format("%.2f", requests / (double) rotations) + " totalWire=" + proxy.refreshRequests()
                + " keycloakRefreshEvents=" + events("REFRESH_TOKEN").size() + " codeExchanges=" + proxy.codeExchanges() + " apiFailed=" + failed);
        assertTrue(rotations >= 2, "rotations over two lifetimes: " + rotations);
        assertEquals(rotations, requests, "refresh requests on the wire in the window (one per rotation)");
        // (since the login, at generation 0: every request on the wire, every event and every page count is one rotation)
        assertEquals(generation, proxy.refreshRequests(), "refresh requests on the wire since the login");
        assertEquals(generation, awaitEvents("REFRESH_TOKEN", e -> true, generation).size(), "REFRESH_TOKEN events in Keycloak");
        for (DemoPage tab : tabs) {
            tab.waitUntil("c.refreshTokenInfo.generation === " + generation);
            assertEquals(generation, tab.stat("refreshCalls"), "refresh requests counted by a page");
        }
        assertEquals(1, proxy.codeExchanges(), "logins: one for all tabs");
        assertEquals(0, failed, "failed API calls");
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
