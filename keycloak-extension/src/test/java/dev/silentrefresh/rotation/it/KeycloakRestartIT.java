package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.assertInvalidGrant;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.representations.idm.EventRepresentation;

/**
 * Rotation state lives in Keycloak's persistent session store: after a restart, a replay of a token rotated before
 * the restart is still detected, and a chain rotated before the restart goes on.
 *
 * <p>Runs the packaged extension jar in its own copy of the 26.7.3 distribution with a file database, on ports apart
 * from the test framework's server.
 */
class KeycloakRestartIT {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final int HTTP_PORT = 8180;
    private static final int MANAGEMENT_PORT = 9180;
    private static KeycloakDistribution keycloak;

    @BeforeAll
    static void startKeycloakWithAFileDatabase() throws Exception {
        keycloak = KeycloakDistribution.install(
                Path.of(System.getProperty("keycloak.dist.zip")),
                Path.of("target", "keycloak-restart").toAbsolutePath(),
                Path.of(System.getProperty("extension.jar")),
                Path.of("..", "realm-export.json").toAbsolutePath().normalize());
        keycloak.startDev(HTTP_PORT, MANAGEMENT_PORT, START_TIMEOUT);
    }

    @AfterAll
    static void stopKeycloak() throws Exception {
        if (keycloak != null) {
            keycloak.close();
        }
    }

    @Test
    void afterARestartReplaysAreStillDetectedAndLiveChainsGoOn() throws Exception {
        OidcTestClient spa = new OidcTestClient(keycloak.baseUrl(), "demo", "demo-spa", "http://localhost:8081/");
        TokenResponse stolen = spa.login("alice", "alice");
        ok(spa.refresh(ok(spa.refresh(stolen.refreshToken())).refreshToken()));
        TokenResponse chainStart = spa.login("bob", "bob");
        TokenResponse chainNewest = ok(spa.refresh(ok(spa.refresh(chainStart.refreshToken())).refreshToken()));

        keycloak.stop();
        keycloak.startDev(HTTP_PORT, MANAGEMENT_PORT, START_TIMEOUT);

        assertInvalidGrant(spa.refresh(stolen.refreshToken()));
        TokenResponse continued = ok(spa.refresh(chainNewest.refreshToken()));
        assertEquals(3, continued.refreshTokenGeneration(), "the chain went on where it stood");
        assertInvalidGrant(spa.refresh(chainStart.refreshToken()));

        try (Keycloak admin = keycloak.admin()) {
            List<EventRepresentation> reuses = admin.realm("demo").getEvents(List.of("REFRESH_TOKEN_ERROR"), null, null, null, null, null, 0, 100)
                    .stream().filter(e -> "refresh_token_reused".equals(e.getError())).toList();
            assertEquals(2, reuses.size(), "both replays were detected as reuse after the restart");
        }
    }
}
