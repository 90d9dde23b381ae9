package dev.silentrefresh.rotation;

import jakarta.ws.rs.WebApplicationException;

import org.jboss.logging.Logger;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorContext;
import org.keycloak.representations.RefreshToken;
import org.keycloak.services.cors.Cors;

/**
 * Enforces the rotation rule on every refresh, once Keycloak has verified the presented token and built the new ones.
 *
 * <p>Keycloak runs token post-processors for every grant, whatever the client policies say, so the rule cannot be skipped
 * by a policy whose conditions vote on the request but not on its response (or the other way round): a refresh the
 * executor marked is enforced with the executor's settings, and a token of a family the executor started is enforced
 * with the settings recorded in the family even if no policy applies to the client any more (fail closed). Tokens the
 * executor never touched, of clients it does not cover, pass through untouched.
 */
final class RefreshRotationPostProcessor implements TokenPostProcessor {

    private static final Logger logger = Logger.getLogger(RefreshRotationPostProcessor.class);

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
        RefreshRotation rotation = RefreshRotation.of(session, clientSession, presented,
                session.getAttribute(CoveredRefresh.ATTRIBUTE, CoveredRefresh.class));
        if (rotation == null) {
            return;
        }
        try {
            rotation.enforce(context.refreshToken());
        } catch (WebApplicationException refusal) {
            throw refusal;
        } catch (RuntimeException fault) {
            // a fault is never reuse: nothing is revoked, nothing issued, and the same token may be presented again
            session.getTransactionManager().setRollbackOnly();
            logger.warnf("Refresh in realm %s for client %s answered 503: %s: %s", session.getContext().getRealm().getName(),
                    clientSession.getClient().getClientId(), fault.getClass().getSimpleName(), fault.getMessage());
            throw new RetryLaterException(session.getProvider(Cors.class));
        }
    }
}
