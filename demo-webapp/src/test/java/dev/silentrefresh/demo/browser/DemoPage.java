package dev.silentrefresh.demo.browser;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;

/**
 * One tab of the demo page, driven through its buttons and read through its DOM and {@code window.__demo}.
 *
 * <p>Nothing here reads a token value: only the page's counters, texts and the non-secret claims {@code sid} (session id)
 * and {@code rtr_gen} / {@code rtr_fam} (refresh generation and family).
 */
final class DemoPage {

    static final double DEFAULT_TIMEOUT_MS = 20_000;

    private static final Pattern GENERATION = Pattern.compile("generation (\\d+)");

    private final Page page;
    private final String appUrl;
    private final String keycloakUrl;

    private DemoPage(Page page, String appUrl, String keycloakUrl) {
        this.page = page;
        this.appUrl = appUrl;
        this.keycloakUrl = keycloakUrl;
    }

    /**
     * Opens a new tab at {@code appUrl + pathAndQuery} and waits until the page has decided whether it is logged in.
     *
     * @param appUrl      the app's base URL, ending in {@code /}
     * @param keycloakUrl Keycloak's base URL
     */
    static DemoPage open(BrowserContext context, String appUrl, String keycloakUrl, String query) {
        Page page = context.newPage();
        page.setDefaultTimeout(DEFAULT_TIMEOUT_MS);
        DemoPage demo = new DemoPage(page, appUrl, keycloakUrl);
        page.navigate(appUrl + query);
        demo.waitUntil("s.state !== 'loading'");
        return demo;
    }

    /** A tab of the demo page that is already open (without waiting for anything). */
    static DemoPage of(Page page, String appUrl, String keycloakUrl) {
        page.setDefaultTimeout(DEFAULT_TIMEOUT_MS);
        return new DemoPage(page, appUrl, keycloakUrl);
    }

    Page page() {
        return this.page;
    }

    /** Clicks "Log in" and waits for Keycloak's login form. */
    void goToKeycloakLogin() {
        this.page.click("#login-button");
        this.page.waitForURL(url -> url.startsWith(this.keycloakUrl + "/realms/"));
        this.page.waitForSelector("#kc-login");
    }

    /** Fills Keycloak's login form and submits it. */
    void submitCredentials(String username, String password) {
        this.page.fill("#username", username);
        this.page.fill("#password", password);
        this.page.click("#kc-login");
    }

    /** Waits until Keycloak sent the browser back and the page shows the user from {@code /api/me}. */
    void waitUntilLoggedIn() {
        this.page.waitForURL(url -> url.startsWith(this.appUrl));
        waitUntil("s.state === 'logged-in' && s.apiOk >= 1");
        this.page.waitForFunction("() => document.getElementById('user-email').textContent.includes('@')", null,
                new Page.WaitForFunctionOptions().setPollingInterval(100));
    }

    /** The whole login through Keycloak's page. */
    void logIn(String username, String password) {
        logIn(username, password, true);
    }

    /** The login; with {@code apiWorks} false it waits only for the redirect back (the API may refuse the token). */
    void logIn(String username, String password, boolean apiWorks) {
        goToKeycloakLogin();
        submitCredentials(username, password);
        if (apiWorks) {
            waitUntilLoggedIn();
        } else {
            this.page.waitForURL(url -> url.startsWith(this.appUrl));
            waitUntil("s.state === 'logged-in'");
        }
    }

    /**
     * Waits until a JavaScript condition over the page's stats ({@code s}, i.e. {@code window.__demo.stats}) and its client
     * ({@code c}) holds.
     */
    void waitUntil(String condition) {
        waitUntil(condition, DEFAULT_TIMEOUT_MS);
    }

    void waitUntil(String condition, double timeoutMs) {
        this.page.waitForFunction("() => { const d = window.__demo; if (!d) return false; const s = d.stats; const c = d.client; "
                + "return !!(" + condition + "); }", null,
                new Page.WaitForFunctionOptions().setTimeout(timeoutMs).setPollingInterval(100));
    }

    /** Lets the page run for a while (Playwright keeps delivering events meanwhile). */
    void idle(double millis) {
        this.page.waitForTimeout(millis);
    }

    void click(String id) {
        this.page.click("#" + id);
    }

    String text(String id) {
        return this.page.textContent("#" + id);
    }

    boolean visible(String id) {
        return this.page.isVisible("#" + id);
    }

    /** A copy of {@code window.__demo.stats}. */
    @SuppressWarnings("unchecked")
    Map<String, Object> stats() {
        return (Map<String, Object>) this.page.evaluate("() => ({ ...window.__demo.stats })");
    }

    /** One numeric field of {@code window.__demo.stats}. */
    int stat(String name) {
        return ((Number) this.page.evaluate("name => window.__demo.stats[name]", name)).intValue();
    }

    String state() {
        return (String) this.page.evaluate("() => window.__demo.stats.state");
    }

    /** The refresh-token generation as the page shows it ("generation N · family …"). */
    int shownGeneration() {
        String text = text("refresh-generation");
        Matcher matcher = GENERATION.matcher(text == null ? "" : text);
        if (!matcher.find()) {
            throw new AssertionError("the page shows no refresh generation: '" + text + "'");
        }
        return Integer.parseInt(matcher.group(1));
    }

    /** {@code rtr_gen} of the refresh token the client holds, or -1. */
    int generation() {
        Object value = this.page.evaluate("() => window.__demo.client?.refreshTokenInfo?.generation ?? -1");
        return ((Number) value).intValue();
    }

    /** {@code rtr_fam} of the refresh token the client holds, or null. */
    String family() {
        return (String) this.page.evaluate("() => window.__demo.client?.refreshTokenInfo?.family ?? null");
    }

    /** The Keycloak session id ({@code sid} claim of the access token), or null. */
    String sessionId() {
        return (String) this.page.evaluate("() => window.__demo.client?.accessTokenClaims?.sid ?? null");
    }

    /** Waits until the client holds a refresh token of a generation above {@code generation}. */
    void waitForGenerationAbove(int generation, double timeoutMs) {
        waitUntil("c && c.refreshTokenInfo && c.refreshTokenInfo.generation > " + generation, timeoutMs);
    }

    /** The page's log, oldest first, as "time-ms kind message" lines (the log never holds a token). */
    @SuppressWarnings("unchecked")
    List<String> logLines() {
        return (List<String>) this.page.evaluate(
                "() => window.__demo.log.slice().reverse().map(e => (e.time % 100000) + ' ' + e.kind + ' ' + e.message)");
    }

    /** True when some entry of the page's log contains {@code fragment}. */
    boolean logContains(String fragment) {
        return (Boolean) this.page.evaluate("f => window.__demo.log.some(e => e.message.includes(f))", fragment);
    }
}
