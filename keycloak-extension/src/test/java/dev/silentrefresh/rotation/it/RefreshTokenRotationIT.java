package dev.silentrefresh.rotation.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.keycloak.admin.client.Keycloak;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;
import org.keycloak.testframework.server.KeycloakUrls;

/**
 * Runs the rotation scenarios against the Keycloak 26.7.3 distribution from Maven Central, started by Keycloak's own
 * test framework as a child process ({@code kc.sh start-dev}, no Docker) with this module's provider deployed.
 */
@KeycloakIntegrationTest(config = RefreshTokenRotationIT.ServerConfig.class)
class RefreshTokenRotationIT extends RefreshTokenRotationScenarios {

    static final Path SERVER_LOG = Path.of("target", "keycloak-server.log").toAbsolutePath();

    @InjectAdminClient
    Keycloak admin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    @Override
    protected KeycloakUnderTest keycloak() {
        return new KeycloakUnderTest() {
            @Override
            public String baseUrl() {
                return urls.getBase();
            }

            @Override
            public String metricsUrl() {
                return urls.getMetric();
            }

            @Override
            public Keycloak admin() {
                return admin;
            }

            @Override
            public String serverLog() {
                try {
                    return Files.readString(SERVER_LOG);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read " + SERVER_LOG, e);
                }
            }
        };
    }

    public static class ServerConfig implements KeycloakServerConfig {
        @Override
        public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
            config.log().handlers(KeycloakServerConfigBuilder.LogHandlers.FILE);
            return config.dependencyCurrentProject()
                    .option("log-file", SERVER_LOG.toString())
                    // TokenRevocationIT reads that a revocation's mark was written once the revocation had committed
                    .option("log-level", "INFO,dev.silentrefresh.rotation.RefreshTokenRevocation:debug")
                    .option("metrics-enabled", "true")
                    .option("event-metrics-user-enabled", "true")
                    .option("event-metrics-user-tags", "realm,clientId");
        }
    }
}
