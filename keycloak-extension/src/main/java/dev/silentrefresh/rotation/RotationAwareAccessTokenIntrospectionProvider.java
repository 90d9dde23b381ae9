package dev.silentrefresh.rotation;

import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.AccessTokenIntrospectionProvider;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.RefreshToken;
import org.keycloak.util.JsonSerialization;
import org.keycloak.util.TokenUtil;

/**
 * Keycloak's own introspection of access tokens ({@code token_type_hint=access_token}, and no hint at all), which also
 * asks the rotation about a refresh token presented there. Keycloak's access-token provider parses any token of the
 * realm, and a refresh token's audience (the realm alone) stops it only at the audience check, which a client with
 * Keycloak's compatibility option {@code allow.token.introspection.without.audience.check} skips: it would then call a
 * rotated-out refresh token active. Access tokens get Keycloak's answer untouched.
 */
final class RotationAwareAccessTokenIntrospectionProvider extends AccessTokenIntrospectionProvider<AccessToken> {

    RotationAwareAccessTokenIntrospectionProvider(KeycloakSession session) {
        super(session);
    }

    /** Called by Keycloak once the token, its client, user session and user have passed its own checks. */
    @Override
    protected boolean verifyTokenReuse() {
        if (!super.verifyTokenReuse()) {
            return false;
        }
        if (!TokenUtil.TOKEN_TYPE_REFRESH.equals(token.getType()) && !TokenUtil.TOKEN_TYPE_OFFLINE.equals(token.getType())) {
            return true;
        }
        // parsed as an access token: the same claims, read as the refresh token they are
        RefreshToken refreshToken = JsonSerialization.mapper.convertValue(token, RefreshToken.class);
        return IntrospectedRefreshToken.isLive(session, userSession, client, refreshToken, eventBuilder);
    }
}
