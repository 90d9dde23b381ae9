package dev.silentrefresh.demo.testing;

import java.nio.file.Path;

import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;

/**
 * Keycloak 26.7.3 as the test framework starts it ({@code kc.sh start-dev}), with the sibling module's
 * {@code refresh-token-rotation} executor deployed from its {@code target/classes}, logging to {@link #SERVER_LOG}.
 */
public class KeycloakWithExtension implements KeycloakServerConfig {

    public static final Path SERVER_LOG = Path.of("target", "keycloak-server.log").toAbsolutePath();

    @Override
    public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
        config.log().handlers(KeycloakServerConfigBuilder.LogHandlers.FILE);
        return config.dependency("dev.silentrefresh", "keycloak-extension", true)
                .option("log-file", SERVER_LOG.toString());
    }
}
