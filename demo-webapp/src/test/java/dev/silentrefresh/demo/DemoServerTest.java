package dev.silentrefresh.demo;

import static dev.silentrefresh.demo.testing.TestApp.header;
import static dev.silentrefresh.demo.testing.TestApp.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.silentrefresh.demo.testing.MutableClock;
import dev.silentrefresh.demo.testing.TestApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Everything the app serves besides the bearer-token checks: page, config, public API, errors and security headers. */
class DemoServerTest {

    private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self' https://sso.example.org:8443; frame-src 'self' https://sso.example.org:8443; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'; "
            + "require-trusted-types-for 'script'; trusted-types silent-refresh";
    /** The silent login's callback page may be framed by the app itself, and only by it; it reaches the token owner's
     *  SharedWorker through the browser client's one Trusted Types policy (a code goes to the owner, not to the framing page). */
    private static final String SILENT_CALLBACK_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'");

    @TempDir
    Path staticFiles;

    private final MutableClock clock = MutableClock.atCurrentSecond();
    private TestApp app;

    @BeforeEach
    void startApp() throws Exception {
        Files.writeString(this.staticFiles.resolve("index.html"), "<!doctype html><title>demo</title>");
        Files.writeString(this.staticFiles.resolve("silent-callback.html"), "<!doctype html><title>silent login</title>");
        Files.createDirectories(this.staticFiles.resolve("js"));
        Files.writeString(this.staticFiles.resolve("js/app.js"), "export const answer = 42;");
        Files.createDirectories(this.staticFiles.resolve("css"));
        Files.writeString(this.staticFiles.resolve("css/app.css"), "body { margin: 0; }");
        // the JWKS is never fetched here: no request in this class carries a token that gets that far
        DemoConfig config = DemoConfig.fromMap(Map.of(
                "KEYCLOAK_URL", "https://sso.example.org:8443",
                "KEYCLOAK_JWKS_URL", "http://127.0.0.1:9/realms/demo/protocol/openid-connect/certs"));
        this.app = TestApp.start(config, this.clock, this.staticFiles);
    }

    @AfterEach
    void stopApp() {
        this.app.close();
    }

    @Test
    void configJsonWhenRequestedThenTellsThePageWhereToLogIn() throws Exception {
        HttpResponse<String> response = this.app.get("/config.json");

        assertEquals(200, response.statusCode());
        assertEquals("{\"keycloakUrl\":\"https://sso.example.org:8443\",\"realm\":\"demo\",\"clientId\":\"demo-spa\","
                + "\"audience\":\"demo-api\",\"dpopClientId\":\"demo-spa-dpop\",\"refreshGraceSeconds\":10,\"refreshBoundTokenRetry\":true}", response.body());
        assertEquals("no-store", header(response, "Cache-Control"));
        assertTrue(header(response, "Content-Type").startsWith("application/json"));
    }

    @Test
    void apiPublicWhenRequestedWithoutTokenThenGreetsWithServerTime() throws Exception {
        HttpResponse<String> response = this.app.get("/api/public");

        assertEquals(200, response.statusCode());
        JsonNode body = json(response);
        assertEquals("Hello from the public API; no token needed", body.get("message").asText());
        assertEquals(this.clock.instant(), Instant.parse(body.get("serverTime").asText()));
        assertEquals("no-store", header(response, "Cache-Control"));
    }

    @Test
    void apiPublicWhenPostedThenMethodNotAllowed() throws Exception {
        HttpResponse<String> response = this.app.send(HttpRequest.newBuilder(this.app.uri("/api/public"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));

        assertEquals(405, response.statusCode());
        assertEquals("GET", header(response, "Allow"));
        assertEquals("{\"error\":\"method_not_allowed\",\"error_description\":\"Use GET\"}", response.body());
        assertEquals("no-store", header(response, "Cache-Control"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/me", "/api/data", "/api", "/api/", "/api/public/", "/api/PUBLIC", "/api/me/../public/x",
        "/api/me;jsessionid=1"})
    void protectedPathWhenNoTokenThenBareChallenge(String path) throws Exception {
        HttpResponse<String> response = this.app.get(path);

        assertEquals(401, response.statusCode(), path);
        assertEquals("Bearer realm=\"demo-api\"", header(response, "WWW-Authenticate"));
    }

    @Test
    void rootWhenRequestedThenServesTheWelcomePage() throws Exception {
        HttpResponse<String> response = this.app.get("/");

        assertEquals(200, response.statusCode());
        assertEquals("<!doctype html><title>demo</title>", response.body());
        assertTrue(header(response, "Content-Type").startsWith("text/html"));
    }

    @Test
    void staticFileWhenRequestedThenServedWithItsType() throws Exception {
        HttpResponse<String> script = this.app.get("/js/app.js");
        HttpResponse<String> style = this.app.get("/css/app.css");

        assertEquals(200, script.statusCode());
        assertTrue(header(script, "Content-Type").contains("javascript"), header(script, "Content-Type"));
        assertEquals(200, style.statusCode());
        assertTrue(header(style, "Content-Type").startsWith("text/css"));
    }

    @Test
    void directoryWhenRequestedThenNotListed() throws Exception {
        HttpResponse<String> response = this.app.get("/js/");

        assertTrue(response.statusCode() == 403 || response.statusCode() == 404, String.valueOf(response.statusCode()));
        assertFalse(response.body().contains("app.js"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/missing.js", "/../etc/passwd", "/%2e%2e/etc/passwd"})
    void unknownFileWhenRequestedThenClientError(String path) throws Exception {
        HttpResponse<String> response = this.app.get(path);

        assertTrue(response.statusCode() >= 400 && response.statusCode() < 500, path + " -> " + response.statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/js/app.js", "/config.json", "/api/public", "/api/me", "/missing.js"})
    void anyPathThenSecurityHeaders(String path) throws Exception {
        HttpResponse<String> response = this.app.get(path);

        assertEquals(CONTENT_SECURITY_POLICY, header(response, "Content-Security-Policy"), path);
        assertEquals("nosniff", header(response, "X-Content-Type-Options"), path);
        assertEquals("no-referrer", header(response, "Referrer-Policy"), path);
        assertEquals("DENY", header(response, "X-Frame-Options"), path);
        assertNull(header(response, "Server"), path);
    }

    @Test
    void silentCallbackPageThenFramableByThisOriginOnly() throws Exception {
        HttpResponse<String> response = this.app.get("/silent-callback.html");

        assertEquals(200, response.statusCode());
        assertEquals(SILENT_CALLBACK_POLICY, header(response, "Content-Security-Policy"));
        assertEquals("SAMEORIGIN", header(response, "X-Frame-Options"));
    }
}
