package dev.silentrefresh.rotation;

import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.AccessTokenIntrospectionProviderFactory;
import org.keycloak.protocol.oidc.TokenIntrospectionProvider;

/**
 * Takes the place of Keycloak's {@code access_token} introspection provider (the one {@code token_type_hint=access_token}
 * or no hint selects): same id, higher {@link #order()}, so Keycloak's provider manager picks this one
 * ({@code ProviderManager#compareFactories}). It is Keycloak's provider with one more check for refresh tokens; see
 * {@link RotationAwareAccessTokenIntrospectionProvider}.
 */
public class RotationAwareAccessTokenIntrospectionProviderFactory extends AccessTokenIntrospectionProviderFactory {

    @Override
    public TokenIntrospectionProvider create(KeycloakSession session) {
        return new RotationAwareAccessTokenIntrospectionProvider(session);
    }

    /** Above Keycloak's own (0), which has the same id. */
    @Override
    public int order() {
        return 1;
    }
}
