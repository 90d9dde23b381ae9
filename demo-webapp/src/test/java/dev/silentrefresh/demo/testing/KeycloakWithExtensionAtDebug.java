package dev.silentrefresh.demo.testing;

import java.nio.file.Path;

import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;

/**
 * {@link KeycloakWithExtension}, with Keycloak's and the extension's loggers at DEBUG, into a log file of its own
 * ({@link #SERVER_LOG}) that tests search for token values.
 */
public class KeycloakWithExtensionAtDebug implements KeycloakServerConfig {

    public static final Path SERVER_LOG = Path.of("target", "keycloak-server-debug.log").toAbsolutePath();

    @Override
    public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
        config.log().handlers(KeycloakServerConfigBuilder.LogHandlers.FILE)
                .handlerLevel(KeycloakServerConfigBuilder.LogHandlers.FILE, "DEBUG")
                .categoryLevel("org.keycloak", "DEBUG")
                .categoryLevel("dev.silentrefresh", "DEBUG");
        return config.dependency("dev.silentrefresh", "keycloak-extension", true)
                .option("log-file", SERVER_LOG.toString());
    }
}
