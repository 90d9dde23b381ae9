package dev.silentrefresh.rotation;

import org.jboss.logging.Logger;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.representations.RefreshToken;
import org.keycloak.services.managers.AuthenticationManager;

/**
 * Revokes the family of a replayed refresh token and records the reuse.
 *
 * <p>The revocation runs in its own transaction: the request that detected the reuse ends in an error response, and
 * the revocation must hold whatever happens to that request's transaction.
 */
final class FamilyRevocation {

    /** Event error recorded for a detected reuse. */
    static final String REUSE_ERROR = "refresh_token_reused";
    static final String FAMILY_DETAIL = "refresh_token_family";
    static final String SCOPE_DETAIL = "reuse_revocation_scope";

    private static final Logger logger = Logger.getLogger(FamilyRevocation.class);

    private final KeycloakSession session;

    FamilyRevocation(KeycloakSession session) {
        this.session = session;
    }

    void revoke(ClientModel client, RefreshToken replayed, String family, RevocationScope scope) {
        KeycloakContext request = session.getContext();
        KeycloakModelUtils.runJobInTransaction(session.getKeycloakSessionFactory(), request, revoking -> {
            RealmModel realm = revoking.getContext().getRealm();
            UserSessionModel userSession = TokenFamilies.userSessionOf(revoking, realm, replayed);
            if (userSession == null) {
                return;
            }
            switch (scope) {
                case CLIENT_SESSION -> detachClientSession(userSession, client);
                case USER_SESSION -> AuthenticationManager.backchannelLogout(revoking, realm, userSession,
                        request.getUri(), request.getConnection(), request.getRequestHeaders(), true, userSession.isOffline());
            }
        });
        recordReuse(client, replayed, family, scope);
    }

    private static void detachClientSession(UserSessionModel userSession, ClientModel client) {
        AuthenticatedClientSessionModel clientSession = userSession.getAuthenticatedClientSessionByClient(client.getId());
        if (clientSession != null) {
            clientSession.detachFromUserSession();
        }
    }

    private void recordReuse(ClientModel client, RefreshToken replayed, String family, RevocationScope scope) {
        RealmModel realm = session.getContext().getRealm();
        // error events are stored at once, in a transaction of their own
        new EventBuilder(realm, session, session.getContext().getConnection())
                .event(EventType.REFRESH_TOKEN)
                .client(client)
                .user(replayed.getSubject())
                .session(replayed.getSessionId())
                .detail(FAMILY_DETAIL, family)
                .detail(Details.REFRESH_TOKEN_ID, replayed.getId())
                .detail(Details.REFRESH_TOKEN_TYPE, replayed.getType())
                .detail(SCOPE_DETAIL, scope.configValue())
                .error(REUSE_ERROR);
        logger.warnf("Refresh token reuse detected in realm %s: client=%s user=%s session=%s family=%s token_id=%s; revoked the %s",
                realm.getName(), client.getClientId(), replayed.getSubject(), replayed.getSessionId(), family,
                replayed.getId(), scope.configValue());
    }
}
