package dev.silentrefresh.rotation;

import org.keycloak.events.Details;
import org.keycloak.events.Errors;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.RefreshTokenIntrospectionProvider;

/**
 * Keycloak's own introspection of refresh tokens (RFC 7662, {@code token_type_hint=refresh_token}), which also asks the
 * rotation whether a refresh with the token would be honoured: a rotated-out token, the consumed one after the grace
 * window, and every token of a revoked family or login are {@code active: false}, as the token endpoint refuses them.
 *
 * <p>Everything else is Keycloak's: its checks run first, unchanged, and a token the executor does not cover (another
 * client's, one it never stamped and would not adopt, an offline token it leaves stock) gets Keycloak's answer. The
 * check reads only; introspection is no use of the token.
 */
final class RotationAwareRefreshTokenIntrospectionProvider extends RefreshTokenIntrospectionProvider {

    RotationAwareRefreshTokenIntrospectionProvider(KeycloakSession session) {
        super(session);
    }

    /** Called by Keycloak once the token, its client, user session and user have passed its own checks. */
    @Override
    protected boolean verifyTokenReuse() {
        if (!super.verifyTokenReuse()) {
            return false;
        }
        AuthenticatedClientSessionModel clientSession = userSession.getAuthenticatedClientSessionByClient(client.getId());
        if (clientSession == null) {
            return true;
        }
        RefreshRotation rotation = RefreshRotation.of(session, clientSession, token, coveredFor(client));
        if (rotation == null || rotation.wouldBeHonoured()) {
            return true;
        }
        eventBuilder.detail(Details.REASON, "Refresh token rotated out, or its family revoked");
        eventBuilder.error(Errors.INVALID_TOKEN);
        return false;
    }

    /**
     * The executor's mark from {@code TOKEN_INTROSPECT}, which the policies gave for the introspecting client: it stands
     * for the token's client only if that is the one introspecting (Keycloak answers other clients {@code active: false}
     * for a refresh token anyway).
     */
    private CoveredRefresh coveredFor(ClientModel tokenClient) {
        ClientModel introspecting = session.getContext().getClient();
        if (introspecting == null || !introspecting.getId().equals(tokenClient.getId())) {
            return null;
        }
        return session.getAttribute(CoveredRefresh.ATTRIBUTE, CoveredRefresh.class);
    }
}
