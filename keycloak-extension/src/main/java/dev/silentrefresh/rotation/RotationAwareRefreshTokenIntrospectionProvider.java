package dev.silentrefresh.rotation;

import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.RefreshTokenIntrospectionProvider;

/**
 * Keycloak's own introspection of refresh tokens (RFC 7662, {@code token_type_hint=refresh_token}), which also asks the
 * rotation whether a refresh with the token would be honoured: a rotated-out token, the consumed one after the grace
 * window, and every token of a revoked family or login are {@code active: false}, as the token endpoint refuses them.
 *
 * <p>Everything else is Keycloak's: its checks run first, unchanged, and a token the executor does not cover (another
 * client's, one it never stamped and would not adopt, an offline token it leaves stock) gets Keycloak's answer.
 */
final class RotationAwareRefreshTokenIntrospectionProvider extends RefreshTokenIntrospectionProvider {

    RotationAwareRefreshTokenIntrospectionProvider(KeycloakSession session) {
        super(session);
    }

    /** Called by Keycloak once the token, its client, user session and user have passed its own checks. */
    @Override
    protected boolean verifyTokenReuse() {
        return super.verifyTokenReuse() && IntrospectedRefreshToken.isLive(session, userSession, client, token, eventBuilder);
    }
}
