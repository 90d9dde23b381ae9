package dev.silentrefresh.rotation.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.admin.client.Keycloak;
import org.testcontainers.images.PullPolicy;

import dasniko.testcontainers.keycloak.KeycloakContainer;

/**
 * Runs the rotation scenarios against Keycloak in a container, started by Testcontainers-Keycloak the way a user of the
 * extension would verify it: this module's provider classes, the project's realm file, metrics on. The image is
 * {@code -Dkeycloak.image} (or {@code KEYCLOAK_IMAGE}), by default the official {@code quay.io/keycloak/keycloak} at the
 * pom's version; {@code scripts/local-docker.sh} builds {@code silent-refresh/keycloak} where no registry is reachable.
 * Without a Docker engine or the image the class is skipped with the reason ({@link KeycloakImageAvailable});
 * {@link RefreshTokenRotationIT} runs the same scenarios against the distribution either way.
 */
@ExtendWith(KeycloakImageAvailable.class)
class RefreshTokenRotationContainerIT extends RefreshTokenRotationScenarios {

    private static final Path SERVER_LOG = Path.of("target", "keycloak-container.log").toAbsolutePath();

    private static KeycloakContainer container;
    private static Keycloak admin;

    @BeforeAll
    static void startKeycloakContainer() {
        container = new KeycloakContainer(KeycloakImageAvailable.image().asCanonicalNameString())
                // the condition made sure the image is there; the library's age-based policy would pull a day-old image again
                .withImagePullPolicy(PullPolicy.defaultPolicy())
                // the first start with a provider re-augments Quarkus: a minute on two cores, four when others build too
                .withStartupTimeout(Duration.ofMinutes(10))
                .withProviderClassesFrom("target/classes")
                .withRealmImportFile("/realm-export.json")
                .withEnabledMetrics()
                .withEnv("KC_EVENT_METRICS_USER_ENABLED", "true")
                .withEnv("KC_EVENT_METRICS_USER_TAGS", "realm,clientId");
        long starting = System.nanoTime();
        container.start();
        System.out.printf("[measured] %s started in %d s%n", container.getDockerImageName(),
                Duration.ofNanos(System.nanoTime() - starting).toSeconds());
        admin = container.getKeycloakAdminClient();
    }

    @AfterAll
    static void stopKeycloakContainer() throws IOException {
        if (admin != null) {
            admin.close();
        }
        if (container != null) {
            // kept like the framework runner's target/keycloak-server.log, for reading a failure afterwards
            Files.writeString(SERVER_LOG, container.getLogs());
            container.stop();
        }
    }

    @Override
    protected KeycloakUnderTest keycloak() {
        return new KeycloakUnderTest() {
            @Override
            public String baseUrl() {
                return container.getAuthServerUrl().replaceAll("/$", "");
            }

            @Override
            public String metricsUrl() {
                return container.getMgmtServerUrl().replaceAll("/$", "") + "/metrics";
            }

            @Override
            public Keycloak admin() {
                return admin;
            }

            @Override
            public String serverLog() {
                return container.getLogs();
            }
        };
    }
}
