package dev.silentrefresh.rotation.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIf;
import org.keycloak.admin.client.Keycloak;
import org.testcontainers.DockerClientFactory;

import dasniko.testcontainers.keycloak.KeycloakContainer;

/**
 * Runs the same rotation scenarios against the official Keycloak image through Testcontainers, for machines with a
 * Docker engine. Without one the class is skipped with the reason; {@link RefreshTokenRotationIT} runs the scenarios
 * against the distribution either way.
 */
@EnabledIf(value = "dockerIsAvailable", disabledReason = "no Docker engine on this machine, so Testcontainers cannot start"
        + " quay.io/keycloak/keycloak; RefreshTokenRotationIT runs the same scenarios against the Keycloak distribution")
class RefreshTokenRotationContainerIT extends RefreshTokenRotationScenarios {

    private static KeycloakContainer container;
    private static Keycloak admin;

    static boolean dockerIsAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    @BeforeAll
    static void startKeycloakContainer() {
        container = new KeycloakContainer("quay.io/keycloak/keycloak:" + System.getProperty("keycloak.version"))
                .withProviderClassesFrom("target/classes")
                .withRealmImportFile("/realm-export.json")
                .withEnabledMetrics()
                .withEnv("KC_EVENT_METRICS_USER_ENABLED", "true")
                .withEnv("KC_EVENT_METRICS_USER_TAGS", "realm,clientId");
        container.start();
        admin = container.getKeycloakAdminClient();
    }

    @AfterAll
    static void stopKeycloakContainer() {
        if (admin != null) {
            admin.close();
        }
        if (container != null) {
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
