package dev.silentrefresh.rotation;

import jakarta.ws.rs.WebApplicationException;

import org.jboss.logging.Logger;
import org.keycloak.common.util.Time;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorContext;
import org.keycloak.representations.RefreshToken;
import org.keycloak.services.cors.Cors;

/**
 * Stamps and enforces, once Keycloak has built the tokens of a request (and, on refresh, verified the presented one).
 *
 * <p>Keycloak runs token post-processors for every grant, whatever the client policies say, so nothing depends on which
 * events a policy's conditions vote on:
 * <ul>
 * <li>A refresh token issued by any grant other than refresh (authorization code, password, token exchange, device code,
 * CIBA) to a covered client starts a family at generation 0. Covered means the executor marked the request, or, where no
 * policy voted on the grant's response, that the realm's policies apply the executor to the client's refreshes
 * ({@link PolicyCoverage}).</li>
 * <li>A refresh the executor marked is enforced with the executor's settings, and a token of a family the executor
 * started is enforced with the settings recorded in the family even if no policy applies to the client any more (fail
 * closed). Tokens the executor never touched, of clients it does not cover, pass through untouched.</li>
 * </ul>
 */
final class RefreshRotationPostProcessor implements TokenPostProcessor {

    private static final Logger logger = Logger.getLogger(RefreshRotationPostProcessor.class);

    private final KeycloakSession session;

    RefreshRotationPostProcessor(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public void process(TokenPostProcessorContext context) {
        if (context.clientSessionCtx() == null) {
            return;
        }
        RefreshToken presented = context.requestRefreshToken();
        if (presented == null) {
            startFamily(context);
        } else {
            enforce(context, presented);
        }
    }

    /** A refresh token issued by a grant other than refresh starts a family, if its client's refreshes are protected. */
    private void startFamily(TokenPostProcessorContext context) {
        RefreshToken issued = context.refreshToken();
        if (issued == null || TokenFamilies.presented(issued).isStamped()) {
            return;
        }
        AuthenticatedClientSessionModel loginClientSession = context.clientSessionCtx().getClientSession();
        CoveredRefresh covered = session.getAttribute(CoveredRefresh.ATTRIBUTE, CoveredRefresh.class);
        if (covered == null) {
            RotationSettings settings = PolicyCoverage.settingsFor(session, loginClientSession.getClient(), issued.getScope());
            covered = settings == null ? null : new CoveredRefresh(settings);
        }
        if (covered == null || !covered.covers(issued)) {
            return;
        }
        AuthenticatedClientSessionModel home = familyHomeOf(issued, loginClientSession);
        if (home == null) {
            return;
        }
        long now = Time.currentTimeMillis();
        String family = KeycloakModelUtils.generateId();
        TokenFamilies.makeRoomForOneMore(home, now);
        TokenFamilies.ensureClientSessionId(home);
        TokenFamilies.stamp(issued, family, 0);
        TokenFamilies.write(home, family, FamilyState.issued(0, now, TokenFamilies.expiryOf(issued), null, covered.settings()));
        logger.tracef("Started refresh token family %s for client %s", family, home.getClient().getClientId());
    }

    /** An offline token's family lives in the offline client session, which login creates beside the online one. */
    private AuthenticatedClientSessionModel familyHomeOf(RefreshToken token, AuthenticatedClientSessionModel loginClientSession) {
        if (!TokenFamilies.isOffline(token)) {
            return loginClientSession;
        }
        return TokenFamilies.clientSessionOf(session, session.getContext().getRealm(), loginClientSession.getClient(),
                token.getSessionId(), true);
    }

    private void enforce(TokenPostProcessorContext context, RefreshToken presented) {
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
