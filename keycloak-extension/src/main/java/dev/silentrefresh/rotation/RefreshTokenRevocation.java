package dev.silentrefresh.rotation;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.keycloak.OAuth2Constants;
import org.keycloak.OAuthErrorException;
import org.keycloak.common.ClientConnection;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.representations.RefreshToken;
import org.keycloak.services.CorsErrorResponseException;
import org.keycloak.services.ErrorResponseException;
import org.keycloak.services.clientpolicy.context.TokenRevokeContext;
import org.keycloak.services.cors.Cors;
import org.keycloak.services.util.UserSessionUtil;
import org.keycloak.util.TokenUtil;

/**
 * RFC 7009 revocation of a refresh token the executor covers, per {@code reuse-revocation-scope}.
 *
 * <p>Keycloak 26.7.3's revocation endpoint ({@code TokenRevocationEndpoint#revokeClientSession}) ends the token's client
 * session: every family of the client in that login. That is the {@code client-session} scope, which Keycloak is left to
 * do; once the request has committed, the executor marks the client session revoked ({@link RevocationMarks}), so that a
 * refresh racing the revocation cannot bring the session back. {@code user-session} widens it to the whole login, online
 * and offline. {@code family} must revoke less than Keycloak would, and the endpoint offers no way to skip its own
 * revocation, so the executor revokes the family itself at {@code TOKEN_REVOKE}, marks it once that revocation has
 * committed, and answers the request as Keycloak answers a successful revocation; Keycloak's own checks and revocation
 * then do not run. As for a reuse, a revocation that cannot be written is not marked (and answers {@code 503}, which RFC
 * 7009 §2.2.1 tells the client to retry).
 *
 * <p>Only a token Keycloak would revoke is acted on: signed by the realm, a refresh or offline token of the authenticated
 * client, of a valid session. Anything else gets Keycloak's own answer, and the executor revokes nothing.
 */
final class RefreshTokenRevocation {

    private static final Logger logger = Logger.getLogger(RefreshTokenRevocation.class);

    /** Session attribute carrying the token from {@code TOKEN_REVOKE} to {@code TOKEN_REVOKE_RESPONSE}. */
    private static final String PENDING = RefreshTokenRevocation.class.getName() + ".pending";

    /**
     * A refresh token Keycloak would revoke, in the family the executor enforces it in.
     *
     * @param clientSession the token's client session as {@code TOKEN_REVOKE} found it, before Keycloak detaches it
     */
    private record Target(ClientModel client, RefreshToken token, String family, AuthenticatedClientSessionModel clientSession) {
    }

    private final KeycloakSession session;
    private final RotationSettings settings;

    RefreshTokenRevocation(KeycloakSession session, RotationSettings settings) {
        this.session = session;
        this.settings = settings;
    }

    /**
     * {@code TOKEN_REVOKE}, before Keycloak's own checks and revocation.
     *
     * @throws ErrorResponseException carrying Keycloak's answer to a successful revocation, once the family is revoked
     */
    void beforeKeycloak(TokenRevokeContext context) {
        // the authenticated client as Keycloak's client authentication set it (TokenRevokeContext.getClient() is 26.7 only)
        Target target = targetOf(session.getContext().getClient(), context.getParams().getFirst(OAuth2Constants.TOKEN));
        if (target == null) {
            return;
        }
        if (settings.revocationScope() != RevocationScope.FAMILY) {
            session.setAttribute(PENDING, target);
            return;
        }
        revokeFamily(target);
        throw answeredAsKeycloakDoes();
    }

    /**
     * {@code TOKEN_REVOKE_RESPONSE}: Keycloak has revoked the client session in the request's transaction; widens that to
     * the login if so set, in the same transaction, and marks what was revoked once it has committed.
     */
    void afterKeycloak() {
        Target target = session.getAttribute(PENDING, Target.class);
        if (target == null) {
            return;
        }
        // once per request, also when two policies apply the executor
        session.removeAttribute(PENDING);
        RevocationScope scope = settings.revocationScope();
        if (scope == RevocationScope.USER_SESSION) {
            FamilyRevocation.revokeIn(session, target.client(), target.token(), target.family(), RevocationScope.USER_SESSION,
                    session.getContext());
        }
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                markCommitted(target, scope);
            }

            @Override
            protected void rollbackImpl() {
                // nothing was revoked: nothing to mark
            }
        });
    }

    /** The mark of a revocation that has committed; the revocation stands even if the mark cannot be written. */
    private void markCommitted(Target target, RevocationScope scope) {
        try {
            RevocationMarks.mark(session, target.token(), target.family(), target.clientSession(), scope);
            logger.debugf("Revocation request: revoked the %s of refresh token family %s", scope.configValue(), target.family());
        } catch (RuntimeException e) {
            logger.warnf("Revocation request: the %s of family %s was revoked, but its revocation mark could not be written (%s)",
                    scope.configValue(), target.family(), e.getClass().getSimpleName());
        }
    }

    /** The token if Keycloak's own revocation would act on it and the executor covers it, else {@code null}. */
    private Target targetOf(ClientModel client, String encodedToken) {
        RefreshToken token = encodedToken == null ? null : session.tokens().decode(encodedToken, RefreshToken.class);
        if (token == null || token.getSessionId() == null || !isRefreshToken(token) || !client.getClientId().equals(token.getIssuedFor())) {
            return null;
        }
        RealmModel realm = session.getContext().getRealm();
        // the session check Keycloak's own revocation makes (TokenRevocationEndpoint#checkUser)
        UserSessionUtil.UserSessionValidationResult valid = UserSessionUtil.findValidSessionForAccessToken(session, realm, token, client,
                invalid -> { });
        if (valid.getError() != null) {
            return null;
        }
        AuthenticatedClientSessionModel clientSession = valid.getUserSession().getAuthenticatedClientSessionByClient(client.getId());
        if (clientSession == null) {
            return null;
        }
        RefreshRotation rotation = RefreshRotation.of(session, clientSession, token, new CoveredRefresh(settings));
        return rotation == null ? null : new Target(client, token, rotation.family(), clientSession);
    }

    private static boolean isRefreshToken(RefreshToken token) {
        return TokenUtil.TOKEN_TYPE_REFRESH.equals(token.getType()) || TokenUtil.TOKEN_TYPE_OFFLINE.equals(token.getType());
    }

    /**
     * Writes the family's revoked note and the event in one transaction of their own (the request's transaction ends with
     * the short-cut answer, which rolls it back), then, once that has committed, the mark. If it cannot be written, nothing
     * is marked or recorded, the revoked note Keycloak's cache may still hold is taken back, and the answer is {@code 503}.
     */
    private void revokeFamily(Target target) {
        KeycloakContext request = session.getContext();
        ClientConnection connection = request.getConnection();
        try {
            KeycloakModelUtils.runJobInTransaction(session.getKeycloakSessionFactory(), request, revoking -> {
                FamilyRevocation.revokeIn(revoking, target.client(), target.token(), target.family(), RevocationScope.FAMILY, request);
                record(revoking, connection, target);
            });
        } catch (RuntimeException e) {
            new FamilyRevocation(session).unmarkFamily(target.client(), target.token(), target.family(), target.clientSession());
            logger.warnf("Revocation request in realm %s for client %s answered 503: %s", session.getContext().getRealm().getName(),
                    target.client().getClientId(), e.getClass().getSimpleName());
            throw new CorsErrorResponseException(session.getProvider(Cors.class), OAuthErrorException.TEMPORARILY_UNAVAILABLE,
                    "The revocation could not be written; nothing was revoked", Response.Status.SERVICE_UNAVAILABLE);
        }
        markCommitted(target, RevocationScope.FAMILY);
    }

    /** Keycloak's own event for a revocation, with the family and the scope. */
    private static void record(KeycloakSession revoking, ClientConnection connection, Target target) {
        RefreshToken token = target.token();
        new EventBuilder(revoking.getContext().getRealm(), revoking, connection)
                .event(EventType.REVOKE_GRANT)
                .client(target.client())
                .user(token.getSubject())
                .session(token.getSessionId())
                .detail(Details.REVOKED_CLIENT, target.client().getClientId())
                .detail(Details.REFRESH_TOKEN_ID, token.getId())
                .detail(Details.REFRESH_TOKEN_TYPE, token.getType())
                .detail(FamilyRevocation.FAMILY_DETAIL, target.family())
                .detail(FamilyRevocation.SCOPE_DETAIL, RevocationScope.FAMILY.configValue())
                .storeImmediately(false)
                .success();
    }

    /**
     * What Keycloak answers to a successful revocation ({@code 200}, an empty body, CORS for the client's origins), as an
     * exception: the only way out of the endpoint before its own revocation. The response needs an entity, if an empty
     * one (JAX-RS returns an exception's response as it is only then, and otherwise hands the exception to Keycloak's
     * error handler, which writes an error body), and with an entity Keycloak's security headers require a media type:
     * the endpoint's own, JSON.
     */
    private ErrorResponseException answeredAsKeycloakDoes() {
        Response ok = session.getProvider(Cors.class).add(Response.ok("", MediaType.APPLICATION_JSON_TYPE));
        return new ErrorResponseException(ok);
    }
}
