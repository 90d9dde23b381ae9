package dev.silentrefresh.rotation;

import jakarta.ws.rs.WebApplicationException;

import org.jboss.logging.Logger;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.representations.RefreshToken;
import org.keycloak.services.cors.Cors;

/**
 * Applies the rotation rule to one verified refresh, whichever {@link RefreshHook} calls it: a refusal goes out as it is,
 * any other failure is a fault that revokes nothing and asks the client to retry ({@code 503}).
 */
final class RotationEnforcement {

    private static final Logger logger = Logger.getLogger(RotationEnforcement.class);

    private RotationEnforcement() {
    }

    /**
     * @param presented the refresh token Keycloak has verified, with its session
     * @param issued    the refresh token Keycloak is about to return, or {@code null} if it returns none
     * @param covered   the executor's mark on this request, or {@code null} when no policy applied it
     */
    static void enforce(KeycloakSession session, AuthenticatedClientSessionModel clientSession, RefreshToken presented,
                        RefreshToken issued, CoveredRefresh covered) {
        RefreshRotation rotation = RefreshRotation.of(session, clientSession, presented, covered);
        if (rotation == null) {
            return;
        }
        try {
            rotation.enforce(issued);
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
