package dev.silentrefresh.rotation;

import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorFactory;

/** Registers {@link RefreshRotationPostProcessor}, the refresh-time half of the {@code refresh-token-rotation} executor. */
public class RefreshRotationPostProcessorFactory implements TokenPostProcessorFactory {

    public static final String PROVIDER_ID = RefreshTokenRotationExecutorFactory.PROVIDER_ID;

    @Override
    public TokenPostProcessor create(KeycloakSession session) {
        return new RefreshRotationPostProcessor(session);
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
