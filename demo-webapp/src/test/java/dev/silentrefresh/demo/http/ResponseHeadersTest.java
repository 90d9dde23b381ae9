package dev.silentrefresh.demo.http;

import static dev.silentrefresh.demo.testing.TokenIssuer.accessTokenClaims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import dev.silentrefresh.demo.DemoServer;
import dev.silentrefresh.demo.testing.JwksServer;
import dev.silentrefresh.demo.testing.MutableClock;
import dev.silentrefresh.demo.testing.RawHttp;
import dev.silentrefresh.demo.testing.TestApp;
import dev.silentrefresh.demo.testing.TokenIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The browser-side defences on every answer the app gives: pages, static assets, {@code /config.json}, every API path, and
 * every kind of error, including the ones Jetty writes itself before a request reaches the app (a malformed request line,
 * headers over the size limit). Asserted as properties of the headers, not their exact text:
 *
 * <ul>
 *     <li>{@code Content-Security-Policy} with a {@code script-src} (or {@code default-src}) that allows no inline script,
 *     no {@code eval} and no wildcard, {@code object-src 'none'}, {@code frame-ancestors 'none'} (the silent-callback page:
 *     {@code 'self'}), and Trusted Types required for every script sink ({@code require-trusted-types-for 'script'}) with
 *     named policies only ({@code trusted-types} without {@code 'allow-duplicates'} or a wildcard);</li>
 *     <li>{@code X-Content-Type-Options: nosniff} and a {@code Referrer-Policy} that sends no path to other origins;</li>
 *     <li>{@code Cross-Origin-Opener-Policy: same-origin}: no page of another origin that opened or was opened by the app
 *     shares its browsing context group;</li>
 *     <li>a {@code Permissions-Policy} that denies every powerful feature the app does not use (camera, microphone,
 *     geolocation, payment, USB, …) to the app and to anything it frames;</li>
 *     <li>{@code Cache-Control: no-store} on the pages (HTML), the API, {@code /config.json} and every error: they may carry
 *     personal data, a code or state in their URL, or a challenge about a token.</li>
 * </ul>
 */
class ResponseHeadersTest {

    private static final Set<String> SAFE_REFERRER_POLICIES = Set.of("no-referrer", "same-origin", "strict-origin",
            "strict-origin-when-cross-origin");
    /** Powerful features the app never uses; each must be denied ({@code feature=()}). */
    private static final List<String> UNUSED_FEATURES = List.of("camera", "microphone", "geolocation", "payment", "usb", "serial",
            "hid", "bluetooth", "midi", "display-capture", "screen-wake-lock", "publickey-credentials-get", "browsing-topics");

    private static TokenIssuer keycloak;
    private static JwksServer jwks;
    private static TestApp app;
    private static String alice;
    private static String bob;

    @BeforeAll
    static void startApp() throws Exception {
        keycloak = TokenIssuer.withNewKey("realm-key-1");
        jwks = JwksServer.start(keycloak.jwkSet());
        MutableClock clock = MutableClock.atCurrentSecond();
        app = TestApp.start(TestApp.configFor(jwks), clock, realPage());
        alice = keycloak.sign(accessTokenClaims(clock.instant(), "alice", "reader").build());
        bob = keycloak.sign(accessTokenClaims(clock.instant(), "bob").build());
    }

    @AfterAll
    static void stopApp() {
        app.close();
        jwks.close();
    }

    /** name, raw request head (without Connection and the final empty line), expected status, whether it must be no-store. */
    static Stream<Arguments> answers() {
        return Stream.of(
                answer("page /", "GET / HTTP/1.1", 200, true),
                answer("page /index.html", "GET /index.html HTTP/1.1", 200, true),
                answer("page with a login callback", "GET /?state=s&code=c&iss=i HTTP/1.1", 200, true),
                answer("silent-callback page", "GET /silent-callback.html?state=s&code=c HTTP/1.1", 200, true),
                answer("script", "GET /js/app.js HTTP/1.1", 200, false),
                answer("style sheet", "GET /css/app.css HTTP/1.1", 200, false),
                answer("config", "GET /config.json HTTP/1.1", 200, true),
                answer("public API", "GET /api/public HTTP/1.1", 200, true),
                answer("API 200", "GET /api/me HTTP/1.1\r\nAuthorization: Bearer " + alice, 200, true),
                answer("API data 200", "GET /api/data HTTP/1.1\r\nAuthorization: Bearer " + alice, 200, true),
                answer("API 401 no token", "GET /api/me HTTP/1.1", 401, true),
                answer("API 401 invalid token", "GET /api/me HTTP/1.1\r\nAuthorization: Bearer a.b.c", 401, true),
                answer("API 400 malformed header", "GET /api/me HTTP/1.1\r\nAuthorization: Bearer a b", 400, true),
                answer("API 403", "GET /api/data HTTP/1.1\r\nAuthorization: Bearer " + bob, 403, true),
                answer("API 404", "GET /api/nope HTTP/1.1\r\nAuthorization: Bearer " + alice, 404, true),
                answer("API 405", "DELETE /api/me HTTP/1.1\r\nAuthorization: Bearer " + alice, 405, true),
                answer("API 503 unknown key", "GET /api/me HTTP/1.1\r\nAuthorization: Bearer "
                        + keycloak.withKeyId("unknown").sign(accessTokenClaims(java.time.Instant.now(), "alice").build()), 503, true),
                answer("static 404", "GET /nope.html HTTP/1.1", 404, true),
                answer("directory 403/404", "GET /js/ HTTP/1.1", -1, true),
                answer("Jetty 400 bad request line", "GET /%zz HTTP/1.1", 400, true),
                answer("Jetty 400 bad header", "GET / HTTP/1.1\r\nBad Header: x", 400, true),
                answer("Jetty 431 headers too large", "GET / HTTP/1.1\r\nX-Big: " + "a".repeat(20 * 1024), 431, true),
                answer("Jetty 414 URI too long", "GET /" + "a".repeat(20 * 1024) + " HTTP/1.1", 414, true),
                answer("Jetty 505 version", "GET / HTTP/9.9", -1, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void everyAnswerCarriesTheSecurityHeaders(String name, String head, int status, boolean noStore) throws Exception {
        if (name.contains("503")) {
            jwks.close();
        }
        // Host right after the request line, then the test's headers, then the end of the head
        String request = head.replaceFirst("\r\n|$", "\r\nHost: localhost" + (head.contains("\r\n") ? "\r\n" : ""))
                + "\r\nConnection: close\r\n\r\n";
        RawHttp.Answer answer = RawHttp.send("127.0.0.1", app.uri("/").getPort(), request.getBytes(StandardCharsets.ISO_8859_1),
                Duration.ofSeconds(10));

        if (status > 0) {
            assertEquals(status, answer.status(), name);
        }
        assertContentSecurityPolicyAllowsNoInlineScript(name, answer.header("Content-Security-Policy"), name.startsWith("silent-callback"));
        assertEquals("same-origin", answer.header("Cross-Origin-Opener-Policy"), name + ": Cross-Origin-Opener-Policy");
        assertPermissionsPolicyDeniesWhatTheAppDoesNotUse(name, answer.header("Permissions-Policy"));
        assertEquals("nosniff", answer.header("X-Content-Type-Options"), name);
        assertTrue(SAFE_REFERRER_POLICIES.contains(String.valueOf(answer.header("Referrer-Policy"))), name + ": Referrer-Policy "
                + answer.header("Referrer-Policy"));
        if (noStore || answer.status() >= 400) {
            assertTrue(String.valueOf(answer.header("Cache-Control")).contains("no-store"), name + ": Cache-Control "
                    + answer.header("Cache-Control"));
        }
    }

    private static void assertPermissionsPolicyDeniesWhatTheAppDoesNotUse(String name, String policy) {
        assertNotNull(policy, name + ": no Permissions-Policy");
        Map<String, String> features = new LinkedHashMap<>();
        for (String entry : policy.split(",")) {
            String[] pair = entry.trim().split("=", 2);
            features.put(pair[0].trim(), pair.length > 1 ? pair[1].trim() : "");
        }
        for (String feature : UNUSED_FEATURES) {
            assertEquals("()", features.get(feature), name + ": " + feature + " in " + policy);
        }
    }

    private static void assertContentSecurityPolicyAllowsNoInlineScript(String name, String policy, boolean framedByTheApp) {
        assertNotNull(policy, name + ": no Content-Security-Policy");
        Map<String, List<String>> directives = new LinkedHashMap<>();
        for (String directive : policy.split(";")) {
            List<String> words = Arrays.stream(directive.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
            if (!words.isEmpty()) {
                directives.put(words.get(0).toLowerCase(), words.subList(1, words.size()));
            }
        }
        List<String> scripts = directives.getOrDefault("script-src", directives.get("default-src"));
        assertNotNull(scripts, name + ": neither script-src nor default-src: " + policy);
        for (String source : scripts) {
            String lower = source.toLowerCase();
            assertFalse(lower.equals("'unsafe-inline'") || lower.equals("'unsafe-eval'") || lower.equals("*") || lower.equals("data:")
                    || lower.equals("http:") || lower.equals("https:"), name + ": script source " + source + " in " + policy);
        }
        assertEquals(List.of("'none'"), directives.get("object-src"), name + ": object-src in " + policy);
        assertEquals(List.of(framedByTheApp ? "'self'" : "'none'"), directives.get("frame-ancestors"), name + ": frame-ancestors in " + policy);
        assertEquals(List.of("'script'"), directives.get("require-trusted-types-for"), name + ": require-trusted-types-for in " + policy);
        List<String> trustedTypes = directives.get("trusted-types");
        assertNotNull(trustedTypes, name + ": no trusted-types directive (any policy name allowed) in " + policy);
        assertFalse(trustedTypes.isEmpty() || trustedTypes.contains("*") || trustedTypes.contains("'allow-duplicates'"),
                name + ": trusted-types " + trustedTypes);
    }

    private static Arguments answer(String name, String head, int status, boolean noStore) {
        return Arguments.of(name, head, status, noStore);
    }

    private static Path realPage() throws URISyntaxException {
        return Path.of(DemoServer.class.getResource("/static/").toURI());
    }
}
