package dev.silentrefresh.rotation.it;

import org.keycloak.admin.client.Keycloak;

/** A running Keycloak with the extension deployed and {@code realm-export.json} imported, however it was started. */
public interface KeycloakUnderTest {

    /** For example {@code http://localhost:8080}. */
    String baseUrl();

    /** Keycloak's metrics endpoint on its management interface. */
    String metricsUrl();

    /** An admin client of the master realm. */
    Keycloak admin();

    /** Everything the server has logged so far. */
    String serverLog();
}
