package dev.silentrefresh.demo.leaks;

import static dev.silentrefresh.demo.testing.TokenIssuer.accessTokenClaims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.testing.CapturedLogs;
import dev.silentrefresh.demo.testing.KeycloakLogin;
import dev.silentrefresh.demo.testing.KeycloakWithExtensionAtDebug;
import dev.silentrefresh.demo.testing.MutableClock;
import dev.silentrefresh.demo.testing.TestApp;
import dev.silentrefresh.demo.testing.TokenIssuer;
import dev.silentrefresh.demo.testing.TokenLogScanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakUrls;

/**
 * No token value, nor a recognisable part of one, in any log line: a real login, refreshes, API calls that pass and fail, and
 * a replayed refresh token that revokes the family, against Keycloak 26.7.3 with the extension (Keycloak and the extension
 * logging at DEBUG) and the real app (its loggers at DEBUG), then both logs searched with the {@link TokenLogScanner} for
 * every token the test saw.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtensionAtDebug.class)
class TokenLeakIT {

    private static final String APP_URL = "http://localhost:8081/";

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    @TempDir
    Path staticFiles;

    @Test
    void loginRefreshApiCallsAndAReplayAtDebugLeaveNoTokenInAnyLog() throws Exception {
        TokenLogScanner scanner = new TokenLogScanner();
        List<String> tokens = new ArrayList<>();
        KeycloakLogin browser = new KeycloakLogin(this.urls.getBase(), "demo", "demo-spa", APP_URL);
        DemoConfig config = DemoConfig.fromMap(Map.of(DemoConfig.KEYCLOAK_URL, this.urls.getBase()));
        try (CapturedLogs appLogs = CapturedLogs.start("dev.silentrefresh", "DEBUG");
             TestApp app = TestApp.start(config, MutableClock.atCurrentSecond(), this.staticFiles)) {
            appLogs.raise();

            // a login, and the API with its tokens
            KeycloakLogin.Tokens alice = browser.logIn("alice", "alice");
            KeycloakLogin.Tokens bob = new KeycloakLogin(this.urls.getBase(), "demo", "demo-spa", APP_URL).logIn("bob", "bob");
            collect(tokens, alice, bob);
            assertEquals(200, app.getWithToken("/api/me", alice.accessToken()).statusCode());
            assertEquals(200, app.getWithToken("/api/data", alice.accessToken()).statusCode());
            assertEquals(403, app.getWithToken("/api/data", bob.accessToken()).statusCode());

            // refreshes, and the API with the new tokens
            KeycloakLogin.Tokens first = browser.refresh(alice.refreshToken());
            KeycloakLogin.Tokens second = browser.refresh(first.refreshToken());
            collect(tokens, first, second);
            assertEquals(200, second.status(), second.toString());
            assertEquals(200, app.getWithToken("/api/me", second.accessToken()).statusCode());

            // refused tokens: a forged one, an ID token, a refresh token, tampered ones, one in the query
            String forged = TokenIssuer.withNewKey("forged").sign(accessTokenClaims(Instant.now(), "alice", "reader").build());
            tokens.add(forged);
            assertEquals(401, app.getWithToken("/api/me", forged).statusCode());
            assertEquals(401, app.getWithToken("/api/me", second.idToken()).statusCode());
            assertEquals(401, app.getWithToken("/api/me", second.refreshToken()).statusCode());
            assertEquals(401, app.getWithToken("/api/me", second.accessToken() + "x").statusCode());
            assertEquals(400, app.get("/api/me?access_token=" + second.accessToken()).statusCode());
            assertEquals(400, app.get("/api/me", "Authorization", "Bearer " + second.accessToken() + " " + first.accessToken())
                    .statusCode());

            // a replay of a refresh token two generations old (the realm's grace window covers only the previous one): reuse,
            // the family is revoked
            KeycloakLogin.Tokens replay = browser.refresh(alice.refreshToken());
            assertEquals(400, replay.status(), replay.toString());
            assertEquals("invalid_grant", replay.error());
            KeycloakLogin.Tokens afterRevocation = browser.refresh(second.refreshToken());
            assertEquals(400, afterRevocation.status(), afterRevocation.toString());

            // Then neither log holds any of those tokens, nor a recognisable part of one
            scanner.addTokens(tokens);
            String appLog = appLogs.text();
            String keycloakLog = Files.readString(KeycloakWithExtensionAtDebug.SERVER_LOG);
            assertTrue(appLog.contains("DEBUG"), "the app's log capture saw nothing at DEBUG");
            assertTrue(keycloakLog.contains("DEBUG"), "Keycloak did not log at DEBUG");
            assertTrue(keycloakLog.contains("refresh_token_reused") || keycloakLog.contains("reuse"),
                    "Keycloak's log does not show the replay");
            List<String> appLeaks = scanner.scan(appLog);
            List<String> keycloakLeaks = scanner.scan(keycloakLog);
            assertTrue(appLeaks.isEmpty(), "token parts in the app's log: " + appLeaks);
            assertTrue(keycloakLeaks.isEmpty(), "token parts in Keycloak's log (" + KeycloakWithExtensionAtDebug.SERVER_LOG + "): "
                    + keycloakLeaks.subList(0, Math.min(10, keycloakLeaks.size())) + " (" + keycloakLeaks.size() + " in all)");
        }
    }

    private static void collect(List<String> tokens, KeycloakLogin.Tokens... responses) {
        for (KeycloakLogin.Tokens response : responses) {
            tokens.add(response.accessToken());
            tokens.add(response.refreshToken());
            tokens.add(response.idToken());
        }
    }
}
