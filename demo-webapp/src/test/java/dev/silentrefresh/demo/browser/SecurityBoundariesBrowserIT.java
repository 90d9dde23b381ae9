package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.Test;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * What the browser client promises against code in its own origin, and the page's headers (issue 14, item 9): the page
 * never receives the ID token, a forged {@code logout} request gets none either, another user's login is flagged, the
 * silent-callback page answers only the owner's own login; the demo page works under Trusted Types, COOP and a
 * Permissions-Policy without a single policy violation.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class SecurityBoundariesBrowserIT extends BrowserTest {

    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Records every message a page of the context receives from the token owner (shared or dedicated worker). */
    private static final String RECORD_OWNER_MESSAGES = """
            (() => {
              const record = (data) => { try { window.__ownerMessage(JSON.stringify(data)) } catch {} }
              for (const name of ['SharedWorker', 'Worker']) {
                const Real = window[name]
                if (typeof Real !== 'function') continue
                window[name] = new Proxy(Real, { construct (target, args) {
                  const worker = Reflect.construct(target, args)
                  const port = name === 'SharedWorker' ? worker.port : worker
                  port.addEventListener('message', (e) => record(e.data))
                  return worker
                } })
              }
            })()""";

    @Test
    void thePageNeverReceivesTheIdTokenNotEvenToLogOut() {
        // Given pages that record every message from the token owner
        List<String> messages = new CopyOnWriteArrayList<>();
        context.exposeFunction("__ownerMessage", args -> messages.add(String.valueOf(args[0])));
        context.addInitScript(RECORD_OWNER_MESSAGES);

        // When alice logs in, refreshes, and logs out
        DemoPage tab = open("?proactive=off");
        tab.logIn("alice", "alice");
        tab.click("refresh-button");
        tab.waitForGenerationAbove(0, 15_000);
        tab.click("logout-button");
        tab.waitUntil("s.state === 'logged-out'", 30_000);

        // Then the owner sent the pages access tokens only: never an ID token or a refresh token
        List<String> kinds = tokenKindsIn(messages);
        measured("tokens the page received", "messages=" + messages.size() + " tokenKinds=" + kinds);
        assertTrue(kinds.contains("Bearer"), "no access token was seen: is the recording working? " + kinds);
        assertFalse(kinds.contains("ID"), "an ID token reached the page: " + kinds);
        assertFalse(kinds.contains("Refresh"), "a refresh token reached the page: " + kinds);
        // and the logout still ended the Keycloak session
        assertEquals(List.of("POST -> 200, id_token_hint in the body"), proxy.endSessionRequests(), "end-session requests");
    }

    @Test
    void aForgedLogoutRequestFromAnotherSameOriginPageGetsNoToken() {
        // Given alice is logged in
        // (the intruder's own SharedWorker needs a script URL that Trusted Types would refuse: it got around the CSP)
        ignoreThePagesContentSecurityPolicy();
        DemoPage tab = open("");
        tab.logIn("alice", "alice");

        // When another page of the same origin connects to the token owner and asks it to log out, as the app does
        Page intruder = context.newPage();
        intruder.navigate(appUrl + "silent-callback.html");
        String answer = (String) intruder.evaluate("""
                async () => {
                  const worker = new SharedWorker('/js/demo-owner-worker.js', { type: 'module', name: 'silent-refresh:demo-spa' })
                  const answers = []
                  worker.port.onmessage = (e) => { if (e.data && e.data.id != null) answers.push(JSON.stringify(e.data)) }
                  worker.port.start()
                  worker.port.postMessage({ id: 1, type: 'logout' })
                  worker.port.postMessage({ id: 2, type: 'status' })
                  await new Promise((resolve) => setTimeout(resolve, 3000))
                  return answers.join('\\n')
                }""");

        // Then no answer carried a token other than an access token
        List<String> kinds = tokenKindsIn(List.of(answer));
        measured("forged logout", "answers=" + answer.lines().count() + " tokenKinds=" + kinds);
        assertFalse(kinds.contains("ID"), "the forged logout received the ID token");
        assertFalse(kinds.contains("Refresh"), "the forged logout received the refresh token");
    }

    @Test
    void anotherUsersInteractiveLoginIsFlaggedAsAUserChange() {
        // Given alice is logged in, in a tab that records why sessions end
        DemoPage first = open("?proactive=off");
        first.logIn("alice", "alice");
        first.page().evaluate("""
                () => {
                  window.__changes = []
                  const c = window.__demo.client
                  c.addEventListener('session-ended', (e) => window.__changes.push('session-ended:' + e.detail.code))
                  c.addEventListener('user-changed', () => window.__changes.push('user-changed'))
                }""");
        // and her Keycloak SSO session ended elsewhere (the owner still holds her tokens)
        realm.deleteSession(first.sessionId(), false);

        // When bob logs in interactively in a second tab of the same browser
        DemoPage second = open("?proactive=off");
        second.page().evaluate("() => { window.__beforeLogin = true; window.__demo.client.login() }");
        second.page().waitForSelector("#kc-login");
        second.submitCredentials("bob", "bob");
        second.page().waitForURL(url -> url.startsWith(appUrl));
        second.waitUntil("!window.__beforeLogin && s.state !== 'loading'", 30_000);
        first.idle(1000);

        // Then the first tab was told that the user changed
        @SuppressWarnings("unchecked")
        List<String> changes = (List<String>) first.page().evaluate("() => window.__changes");
        Object user = second.page().evaluate("() => window.__demo.client?.accessTokenClaims?.preferred_username ?? null");
        measured("another user's login", "firstTabHeard=" + changes + " secondTabUser=" + user + " codeExchanges=" + proxy.codeExchanges());
        assertEquals("bob", user, "the second tab's user");
        assertTrue(changes.stream().anyMatch(c -> c.contains("user_changed") || c.equals("user-changed")),
                "the first tab heard nothing about the change of user: " + changes);
    }

    @Test
    void theSilentCallbackPageAnswersOnlyTheTokenOwnersOwnLogin() {
        // Given alice is logged in (her Keycloak SSO session answers prompt=none)
        DemoPage tab = open("");
        tab.logIn("alice", "alice");

        // When another script of the origin runs its own prompt=none code flow through silent-callback.html, with its own
        // state and PKCE verifier, and listens for the callback page's message
        Page intruder = context.newPage();
        intruder.navigate(appUrl + "silent-callback.html");
        @SuppressWarnings("unchecked")
        Map<String, Object> outcome = (Map<String, Object>) intruder.evaluate("""
                async (keycloak) => {
                  const b64 = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '')
                  const verifier = b64(crypto.getRandomValues(new Uint8Array(32)))
                  const challenge = b64(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))))
                  const redirectUri = location.origin + '/silent-callback.html'
                  const auth = new URL(keycloak + '/realms/demo/protocol/openid-connect/auth')
                  for (const [k, v] of Object.entries({ client_id: 'demo-spa', redirect_uri: redirectUri, response_type: 'code',
                    scope: 'openid', state: 'intruder-' + verifier.slice(0, 8), code_challenge: challenge, code_challenge_method: 'S256',
                    prompt: 'none' })) auth.searchParams.set(k, v)
                  const message = new Promise((resolve) => {
                    addEventListener('message', (e) => resolve(e.data?.href ?? null))
                    setTimeout(() => resolve(null), 8000)
                  })
                  const frame = document.createElement('iframe')
                  frame.src = auth.toString()
                  document.body.append(frame)
                  const href = await message
                  let redeemed = null
                  if (href && new URL(href).searchParams.get('code')) {
                    const response = await fetch(keycloak + '/realms/demo/protocol/openid-connect/token', { method: 'POST',
                      body: new URLSearchParams({ grant_type: 'authorization_code', code: new URL(href).searchParams.get('code'),
                        client_id: 'demo-spa', redirect_uri: redirectUri, code_verifier: verifier }) })
                    redeemed = response.status
                  }
                  let readable = false
                  try { readable = new URL(frame.contentWindow.location.href).searchParams.has('code') } catch {}
                  return { messageWithCode: !!(href && href.includes('code=')), redeemed, frameUrlReadable: readable }
                }""", proxy.url());

        // Then the callback page sent it nothing to redeem
        measured("intruder's own silent login", "outcome=" + outcome + " codeExchanges=" + proxy.codeExchanges());
        assertEquals(Boolean.FALSE, outcome.get("messageWithCode"), "silent-callback.html handed the intruder a code: " + outcome);
        assertEquals(null, outcome.get("redeemed"), "the intruder redeemed a code: " + outcome);
    }

    @Test
    void theDemoPageWorksUnderTrustedTypesCoopAndPermissionsPolicyWithoutAViolation() {
        // Given pages that record every Content-Security-Policy violation and console error on the app's origin
        List<String> violations = new CopyOnWriteArrayList<>();
        context.exposeFunction("__violation", args -> violations.add(String.valueOf(args[0])));
        context.addInitScript("addEventListener('securitypolicyviolation', (e) => { if (location.origin === '" + appOrigin() + "') "
                + "window.__violation(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber) })");
        context.onConsoleMessage(message -> {
            if ("error".equals(message.type()) && message.page() != null && message.page().url().startsWith(appUrl)) {
                violations.add("console: " + message.text());
            }
        });
        Map<String, Map<String, String>> pages = new java.util.concurrent.ConcurrentHashMap<>();
        context.onResponse(response -> {
            if (response.request().isNavigationRequest() && response.url().startsWith(appUrl)) {
                // (named without the query, which may hold an authorization code)
                String path = response.url().replaceFirst("\\?.*", "");
                pages.put(response.request().frame().parentFrame() == null ? path : "frame " + path, response.headers());
            }
        });

        // When alice logs in, refreshes, calls the API, opens a second tab after closing the first (a silent login in an
        // iframe), and logs out
        DemoPage tab = open("");
        tab.logIn("alice", "alice");
        tab.click("refresh-button");
        tab.waitForGenerationAbove(0, 15_000);
        tab.click("call-api");
        tab.waitUntil("s.apiOk >= 3 && s.apiOk + s.apiFailed === s.apiCalls");
        tab.page().close();
        DemoPage next = open("");
        next.waitUntil("s.state === 'logged-in' && s.apiOk >= 1");
        next.click("logout-button");
        next.waitUntil("s.state === 'logged-out'", 30_000);

        // Then nothing was blocked and nothing failed, and every page came with the headers
        measured("headers in Chromium", "violations=" + violations + " pages=" + pages.size());
        assertEquals(List.of(), violations, "policy violations and console errors");
        assertTrue(pages.containsKey(appUrl) && pages.containsKey("frame " + appUrl + "silent-callback.html"),
                "the page and the silent login's callback frame were loaded: " + pages.keySet());
        for (Map.Entry<String, Map<String, String>> page : pages.entrySet()) {
            Map<String, String> headers = page.getValue();
            String name = page.getKey();
            assertTrue(String.valueOf(headers.get("content-security-policy")).contains("require-trusted-types-for 'script'"),
                    name + ": " + headers.get("content-security-policy"));
            assertEquals("same-origin", headers.get("cross-origin-opener-policy"), name);
            assertTrue(headers.containsKey("permissions-policy"), name + ": no Permissions-Policy");
            assertTrue(String.valueOf(headers.get("cache-control")).contains("no-store"), name + ": Cache-Control " + headers.get("cache-control"));
        }
    }

    private String appOrigin() {
        return appUrl.substring(0, appUrl.length() - 1);
    }

    /** The {@code typ} claim of every JWT in the texts (Keycloak: Bearer, DPoP, ID, Refresh), never the token itself. */
    private static List<String> tokenKindsIn(List<String> texts) {
        List<String> kinds = new ArrayList<>();
        for (String text : texts) {
            Matcher matcher = JWT.matcher(text);
            while (matcher.find()) {
                String[] parts = matcher.group().split("\\.");
                try {
                    JsonNode payload = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
                    kinds.add(payload.path("typ").asText("?"));
                } catch (Exception e) {
                    kinds.add("?");
                }
            }
        }
        return kinds.stream().distinct().toList();
    }
}
