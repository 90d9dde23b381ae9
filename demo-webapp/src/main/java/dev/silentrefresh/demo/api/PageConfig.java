package dev.silentrefresh.demo.api;

import java.util.Objects;

import dev.silentrefresh.demo.DemoConfig;

/**
 * What the page needs to log in, served as {@code /config.json} so one build of the page works with any Keycloak.
 *
 * @param keycloakUrl Keycloak's base URL as the browser reaches it
 * @param realm       the realm to log in to
 * @param clientId    the public client the page is
 * @param audience    the API audience the access token is for
 * @param dpopClientId the public client whose tokens are bound to a DPoP key
 * @param refreshGraceSeconds the server's grace window for a refresh retried with the same token (see the browser client)
 * @param refreshBoundTokenRetry the DPoP client's executor has bound-token-retry on (the browser client's {@code boundTokenRetry})
 */
public record PageConfig(String keycloakUrl, String realm, String clientId, String audience, String dpopClientId,
                         long refreshGraceSeconds, boolean refreshBoundTokenRetry) {

    public PageConfig {
        Objects.requireNonNull(keycloakUrl, "keycloakUrl cannot be null");
        Objects.requireNonNull(realm, "realm cannot be null");
        Objects.requireNonNull(clientId, "clientId cannot be null");
        Objects.requireNonNull(audience, "audience cannot be null");
        Objects.requireNonNull(dpopClientId, "dpopClientId cannot be null");
        if (refreshGraceSeconds < 0) {
            throw new IllegalArgumentException("refreshGraceSeconds cannot be negative");
        }
    }

    /** What the page needs of the app's settings. */
    public static PageConfig of(DemoConfig config) {
        return new PageConfig(config.keycloakUrl().toString(), config.realm(), config.clientId(), config.audience(),
                config.dpopClientId(), config.refreshGrace().toSeconds(), config.refreshBoundTokenRetry());
    }
}
