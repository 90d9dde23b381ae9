package dev.silentrefresh.demo.api;

import java.util.Objects;

/**
 * What the page needs to log in, served as {@code /config.json} so one build of the page works with any Keycloak.
 *
 * @param keycloakUrl Keycloak's base URL as the browser reaches it
 * @param realm       the realm to log in to
 * @param clientId    the public client the page is
 * @param audience    the API audience the access token is for
 */
public record PageConfig(String keycloakUrl, String realm, String clientId, String audience) {

    public PageConfig {
        Objects.requireNonNull(keycloakUrl, "keycloakUrl cannot be null");
        Objects.requireNonNull(realm, "realm cannot be null");
        Objects.requireNonNull(clientId, "clientId cannot be null");
        Objects.requireNonNull(audience, "audience cannot be null");
    }
}
