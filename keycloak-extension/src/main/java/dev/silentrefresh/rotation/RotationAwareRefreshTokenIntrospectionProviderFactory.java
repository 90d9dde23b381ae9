package dev.silentrefresh.rotation;

import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.RefreshTokenIntrospectionProviderFactory;
import org.keycloak.protocol.oidc.TokenIntrospectionProvider;

/**
 * Takes the place of Keycloak's {@code refresh_token} introspection provider (the one {@code token_type_hint=refresh_token}
 * selects): same id, higher {@link #order()}, so Keycloak's provider manager picks this one
 * ({@code ProviderManager#compareFactories}). It is Keycloak's provider with one more check; see
 * {@link RotationAwareRefreshTokenIntrospectionProvider}.
 */
public class RotationAwareRefreshTokenIntrospectionProviderFactory extends RefreshTokenIntrospectionProviderFactory {

    @Override
    public TokenIntrospectionProvider create(KeycloakSession session) {
        return new RotationAwareRefreshTokenIntrospectionProvider(session);
    }

    /** Above Keycloak's own (0), which has the same id. */
    @Override
    public int order() {
        return 1;
    }
}
