package dev.silentrefresh.rotation;

import org.jboss.logging.Logger;
import org.keycloak.common.ClientConnection;
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
import org.keycloak.services.managers.UserSessionManager;

/**
 * Revokes what a detected reuse revokes, marks and records it, all or nothing.
 *
 * <p>The revocation and its event are written in one transaction of their own: the request that detected the reuse ends
 * in an error and its own transaction is rolled back, while the revocation must hold. The mark follows once that
 * transaction has committed. If the revocation cannot be written (the database fails), nothing is marked, no event claims
 * it happened, the family's revoked note is taken back, and the caller answers 503 (nothing consumed, nothing revoked),
 * which is then the truth. Concurrent replays of one family revoke once: the first takes a claim on the target, the others
 * record that it was already revoked.
 */
final class FamilyRevocation {

    /** Event error recorded for a detected reuse. */
    static final String REUSE_ERROR = "refresh_token_reused";
    static final String FAMILY_DETAIL = "refresh_token_family";
    static final String SCOPE_DETAIL = "reuse_revocation_scope";
    static final String OUTCOME_DETAIL = "reuse_revocation";

    private static final long CLAIM_LIFESPAN_SECONDS = 60;
    private static final Logger logger = Logger.getLogger(FamilyRevocation.class);

    /** What the revocation found. */
    enum Outcome {
        REVOKED("revoked"),
        ALREADY_REVOKED("already-revoked");

        private final String detail;

        Outcome(String detail) {
            this.detail = detail;
        }
    }

    private final KeycloakSession session;

    FamilyRevocation(KeycloakSession session) {
        this.session = session;
    }

    /**
     * @param replayed      the presented token (already verified by Keycloak)
     * @param family        the family to revoke: the token's, or for a token never stamped the family that adopted its
     *                      client session (or is adopting it right now)
     * @param clientSession the replayed token's client session, as the request found it
     * @param reason        why this is reuse when it is not the plain case (an event detail), or {@code null}
     * @throws RuntimeException when the revocation could not be written; nothing was revoked, marked or recorded then
     */
    Outcome revoke(ClientModel client, RefreshToken replayed, String family, AuthenticatedClientSessionModel clientSession,
                   RevocationScope scope, String reason) {
        String claim = "rtr:revoke:" + targetOf(client, replayed, family, scope);
        boolean first = session.singleUseObjects().putIfAbsent(claim, CLAIM_LIFESPAN_SECONDS);
        KeycloakContext request = session.getContext();
        ClientConnection connection = request.getConnection();
        Outcome outcome;
        try {
            outcome = KeycloakModelUtils.runJobInTransactionWithResult(session.getKeycloakSessionFactory(), request, revoking -> {
                boolean revoked = first && revokeIn(revoking, client, replayed, family, scope, request);
                Outcome result = revoked ? Outcome.REVOKED : Outcome.ALREADY_REVOKED;
                record(revoking, connection, client, replayed, family, scope, result, reason);
                return result;
            }, "refresh-token-rotation revocation");
        } catch (RuntimeException e) {
            if (first) {
                // let the next replay try again
                session.singleUseObjects().remove(claim);
            }
            if (scope == RevocationScope.FAMILY) {
                unmarkFamily(client, replayed, family, clientSession);
            }
            throw e;
        }
        // committed: now the mark, which refuses the revoked tokens whatever the session store shows later
        RevocationMarks.mark(session, replayed, family, clientSession, scope);
        log(client, replayed, family, scope, outcome);
        return outcome;
    }

    /**
     * Takes back the revoked note of a family whose revocation did not commit. Keycloak applies a session change to the
     * cached entity before commit and does not undo it on rollback (keycloak#49213), so without this the family would stay
     * revoked on this node although the answer says nothing was revoked.
     */
    void unmarkFamily(ClientModel client, RefreshToken replayed, String family, AuthenticatedClientSessionModel asFound) {
        String key = TokenFamilies.revokedNoteKey(family);
        String before = asFound == null ? null : asFound.getNote(key);
        try {
            KeycloakModelUtils.runJobInTransaction(session.getKeycloakSessionFactory(), session.getContext(), restoring -> {
                AuthenticatedClientSessionModel current = TokenFamilies.clientSessionOf(restoring, restoring.getContext().getRealm(),
                        client, replayed.getSessionId(), TokenFamilies.isOffline(replayed));
                if (current != null) {
                    TokenFamilies.restoreNote(current, key, before);
                }
            });
        } catch (RuntimeException e) {
            // the cached entity is put back when the write fails; the database never had the revocation
            logger.debugf("Taking back the revoked note of family %s failed: %s", family, e.getClass().getSimpleName());
        }
    }

    /**
     * After a rotation of {@code family} has committed: if a reuse of the family was detected meanwhile, revokes again what
     * the reuse revoked, since a session the revocation removed can come back into the cache while requests race (see
     * {@link RevocationMarks}). The marks refuse the family either way; this keeps the session store clean. No second
     * event: the reuse was recorded once, by the request that detected it.
     */
    void revokeAgainAfterCommit(ClientModel client, RefreshToken rotated, String family, AuthenticatedClientSessionModel clientSession,
                                RevocationScope scope) {
        if (!RevocationMarks.isRevoked(session, rotated, family, clientSession)) {
            return;
        }
        KeycloakContext request = session.getContext();
        KeycloakModelUtils.runJobInTransaction(session.getKeycloakSessionFactory(), request,
                revoking -> revokeIn(revoking, client, rotated, family, scope, request));
        logger.debugf("Family %s was reused while it rotated; revoked the %s again after the rotation committed", family,
                scope.configValue());
    }

    /**
     * What the claim is on. A client session is named through the family, which lives in exactly one client session: after
     * a revocation the same browser logs in again silently and gets a new client session under the same login and client,
     * and a claim on (login, client), alive for a minute, would take that one for already revoked.
     */
    private static String targetOf(ClientModel client, RefreshToken replayed, String family, RevocationScope scope) {
        return switch (scope) {
            case FAMILY -> "family:" + family;
            case CLIENT_SESSION -> "client-session:" + replayed.getSessionId() + ":" + client.getId() + ":" + TokenFamilies.isOffline(replayed)
                    + ":" + family;
            case USER_SESSION -> "user-session:" + replayed.getSessionId();
        };
    }

    /** @return whether there was anything left to revoke */
    static boolean revokeIn(KeycloakSession revoking, ClientModel client, RefreshToken replayed, String family,
                                    RevocationScope scope, KeycloakContext request) {
        RealmModel realm = revoking.getContext().getRealm();
        boolean offline = TokenFamilies.isOffline(replayed);
        return switch (scope) {
            case FAMILY -> revokeFamily(TokenFamilies.clientSessionOf(revoking, realm, client, replayed.getSessionId(), offline), family);
            case CLIENT_SESSION -> detach(TokenFamilies.clientSessionOf(revoking, realm, client, replayed.getSessionId(), offline));
            case USER_SESSION -> logOutEverywhere(revoking, realm, replayed.getSessionId(), request);
        };
    }

    private static boolean revokeFamily(AuthenticatedClientSessionModel clientSession, String family) {
        if (clientSession == null) {
            return false;
        }
        FamilyState state = TokenFamilies.read(clientSession, family);
        if (state != null && state.revoked()) {
            return false;
        }
        // no state yet: the family is being adopted by a request whose commit is pending; the mark revokes it, and the
        // note written now makes the adoption's state revoked once it lands
        TokenFamilies.markRevoked(clientSession, family);
        return true;
    }

    private static boolean detach(AuthenticatedClientSessionModel clientSession) {
        if (clientSession == null) {
            return false;
        }
        clientSession.detachFromUserSession();
        return true;
    }

    /** The online session through Keycloak's back-channel logout (every client is told), and the login's offline session. */
    private static boolean logOutEverywhere(KeycloakSession revoking, RealmModel realm, String sessionId, KeycloakContext request) {
        UserSessionModel online = revoking.sessions().getUserSession(realm, sessionId);
        if (online != null) {
            AuthenticationManager.backchannelLogout(revoking, realm, online, request.getUri(), request.getConnection(),
                    request.getRequestHeaders(), true, false);
        }
        UserSessionModel offline = revoking.sessions().getOfflineUserSession(realm, sessionId);
        if (offline != null) {
            new UserSessionManager(revoking).revokeOfflineUserSession(offline);
        }
        return online != null || offline != null;
    }

    private static void record(KeycloakSession revoking, ClientConnection connection, ClientModel client, RefreshToken replayed,
                               String family, RevocationScope scope, Outcome outcome, String reason) {
        // stored in this transaction, not in one of its own: the event exists if and only if the revocation does
        EventBuilder event = new EventBuilder(revoking.getContext().getRealm(), revoking, connection);
        if (reason != null) {
            event.detail(Details.REASON, reason);
        }
        event
                .event(EventType.REFRESH_TOKEN)
                .client(client)
                .user(replayed.getSubject())
                .session(replayed.getSessionId())
                .detail(FAMILY_DETAIL, family)
                .detail(Details.REFRESH_TOKEN_ID, replayed.getId())
                .detail(Details.REFRESH_TOKEN_TYPE, replayed.getType())
                .detail(SCOPE_DETAIL, scope.configValue())
                .detail(OUTCOME_DETAIL, outcome.detail)
                .storeImmediately(false)
                .error(REUSE_ERROR);
    }

    private void log(ClientModel client, RefreshToken replayed, String family, RevocationScope scope, Outcome outcome) {
        String result = outcome == Outcome.REVOKED
                ? "revoked the " + scope.configValue()
                : "the " + scope.configValue() + " was already revoked";
        logger.warnf("Refresh token reuse detected in realm %s: client=%s user=%s session=%s family=%s token_id=%s; %s",
                session.getContext().getRealm().getName(), client.getClientId(), replayed.getSubject(), replayed.getSessionId(),
                family, replayed.getId(), result);
    }
}
