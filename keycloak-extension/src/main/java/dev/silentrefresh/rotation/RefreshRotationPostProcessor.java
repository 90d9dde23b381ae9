package dev.silentrefresh.rotation;

import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorContext;
import org.keycloak.representations.RefreshToken;

/**
 * Enforces the rotation rule on every refresh, once Keycloak has verified the presented token and built the new ones.
 *
 * <p>Keycloak runs token post-processors for every grant, whatever the client policies say, so the rule cannot be skipped
 * by a policy whose conditions vote on the request but not on its response (or the other way round): a refresh the
 * executor marked is enforced with the executor's settings, and a token of a family the executor started is enforced
 * with the settings recorded in the family even if no policy applies to the client any more (fail closed). Tokens the
 * executor never touched, of clients it does not cover, pass through untouched. Keycloak 26.7 and newer only
 * ({@link RefreshHook#TOKEN_POST_PROCESSOR}); on older lines Keycloak never loads this class.
 */
final class RefreshRotationPostProcessor implements TokenPostProcessor {

    private final KeycloakSession session;

    RefreshRotationPostProcessor(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public void process(TokenPostProcessorContext context) {
        RefreshToken presented = context.requestRefreshToken();
        // only the refresh grant presents a refresh token
        if (presented == null || context.clientSessionCtx() == null) {
            return;
        }
        AuthenticatedClientSessionModel clientSession = context.clientSessionCtx().getClientSession();
        RotationEnforcement.enforce(session, clientSession, presented, context.refreshToken(),
                session.getAttribute(CoveredRefresh.ATTRIBUTE, CoveredRefresh.class));
    }
}
