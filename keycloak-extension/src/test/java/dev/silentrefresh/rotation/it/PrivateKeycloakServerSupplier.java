package dev.silentrefresh.rotation.it;

import java.nio.file.Path;
import java.time.Duration;

import org.jboss.logging.Logger;
import org.keycloak.testframework.config.Config;
import org.keycloak.testframework.server.AbstractKeycloakServerSupplier;
import org.keycloak.testframework.server.KeycloakServer;

/**
 * Supplies {@link PrivateKeycloakServer} to Keycloak's test framework as server kind {@code private}
 * ({@code kc.test.server=private}). Settings, as the framework's own server reads its own ({@code kc.test.server.*}):
 * {@code http.port} (8080), {@code management.port} (9000), {@code start.timeout} in seconds (120), {@code hot.deploy}.
 */
public final class PrivateKeycloakServerSupplier extends AbstractKeycloakServerSupplier {

    private static final Logger LOGGER = Logger.getLogger(PrivateKeycloakServerSupplier.class);

    @Override
    public KeycloakServer getServer() {
        return new PrivateKeycloakServer(
                Path.of("target", "keycloak-servers").toAbsolutePath(),
                Integer.parseInt(setting("http.port", "8080")),
                Integer.parseInt(setting("management.port", "9000")),
                Duration.ofSeconds(Long.parseLong(setting("start.timeout", "120"))),
                KeycloakServer.getDependencyHotDeployEnabled());
    }

    private static String setting(String name, String defaultValue) {
        return Config.getValueTypeConfig(KeycloakServer.class, name, defaultValue, String.class);
    }

    @Override
    public boolean requiresDatabase() {
        return true;
    }

    @Override
    public String getAlias() {
        return "private";
    }

    @Override
    public Logger getLogger() {
        return LOGGER;
    }
}
