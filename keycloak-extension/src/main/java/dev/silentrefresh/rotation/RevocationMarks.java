package dev.silentrefresh.rotation;

import org.keycloak.common.util.Time;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.RefreshToken;

/**
 * Marks in Keycloak's cluster-wide single-use store what was revoked for reuse (a family, a client session, a whole
 * login); a refresh of anything marked is refused, whatever the session store says.
 *
 * <p>The session store cannot be relied on alone. Seen on Keycloak 26.7.3 with twelve requests racing on one token: a
 * request that loaded the client session from the database just before the revocation committed puts it back into the
 * cache afterwards, so Keycloak finds a revoked session again (in about one race in ten, for as long as the session
 * could have lived). The marks therefore live as long as the revoked session could, and no longer.
 *
 * <p>One key per revocation, whatever the scope: a client session is named by (login, client, online or offline, an id
 * the executor gives each client session with its first family), so that the same browser's silent re-login after a
 * revocation, which gets a new client session under the same login and client, is not taken for the revoked one, and an
 * offline replay marks the offline client session, never the online one beside it.
 *
 * <p>A mark is written once the revocation it stands for has committed, with {@code putIfAbsent}, which the store applies
 * at once: a revocation that fails leaves no mark behind (with persistent sessions, Keycloak 26.7.3 writes session changes
 * to the database in the same after-completion step in which it applies the transaction's single-use {@code put}s, so a
 * mark put inside the revocation's transaction can land although the revocation's database write failed).
 */
final class RevocationMarks {

    /** Beyond the sessions' own lifetime, for clocks and commits in flight. */
    private static final long MARGIN_SECONDS = 60;

    private RevocationMarks() {
    }

    /** @param clientSession the replayed token's client session as the request found it, or {@code null} if it was gone */
    static void mark(KeycloakSession session, RefreshToken token, String family, AuthenticatedClientSessionModel clientSession,
                     RevocationScope scope) {
        long lifespan = lifespanSeconds(session.getContext().getRealm(), token, clientSession, scope);
        String clientSessionKey = clientSession == null ? null : clientSessionKey(token, clientSession);
        if (scope == RevocationScope.CLIENT_SESSION && clientSessionKey == null && clientSession != null) {
            // a client session from before client sessions had an id: marked through every family it holds (at most 50)
            TokenFamilies.familiesOf(clientSession).forEach(each -> session.singleUseObjects().putIfAbsent(familyKey(each), lifespan));
        }
        String key = switch (scope) {
            case FAMILY -> familyKey(family);
            case CLIENT_SESSION -> clientSessionKey != null ? clientSessionKey : familyKey(family);
            case USER_SESSION -> loginKey(token);
        };
        session.singleUseObjects().putIfAbsent(key, lifespan);
    }

    /** Whether the token's family, its client session or its login was revoked for reuse. */
    static boolean isRevoked(KeycloakSession session, RefreshToken token, String family, AuthenticatedClientSessionModel clientSession) {
        String clientSessionKey = clientSession == null ? null : clientSessionKey(token, clientSession);
        return session.singleUseObjects().contains(familyKey(family))
                || session.singleUseObjects().contains(loginKey(token))
                || clientSessionKey != null && session.singleUseObjects().contains(clientSessionKey);
    }

    private static String familyKey(String family) {
        return "rtr:revoked:family:" + family;
    }

    /** {@code null} for a client session without an id (one that has held no family since this version). */
    private static String clientSessionKey(RefreshToken token, AuthenticatedClientSessionModel clientSession) {
        String id = TokenFamilies.clientSessionId(clientSession);
        return id == null ? null : "rtr:revoked:client-session:" + token.getSessionId() + ":" + clientSession.getClient().getId() + ":"
                + (TokenFamilies.isOffline(token) ? "offline" : "online") + ":" + id;
    }

    private static String loginKey(RefreshToken token) {
        return "rtr:revoked:user-session:" + token.getSessionId();
    }

    /**
     * As long as the revoked session can still live. An online session ends at its maximum lifespan from the login, whatever
     * keeps it alive; an offline one lives at most its maximum lifespan if the realm sets one, and otherwise its idle
     * timeout, since a marked session is never refreshed again. A whole login covers both.
     */
    private static long lifespanSeconds(RealmModel realm, RefreshToken token, AuthenticatedClientSessionModel clientSession,
                                        RevocationScope scope) {
        long loginStarted = clientSession != null ? clientSession.getUserSessionStarted() : Time.currentTime();
        long onlineMax = Math.max(realm.getSsoSessionMaxLifespan(), realm.getSsoSessionMaxLifespanRememberMe());
        long online = loginStarted + onlineMax - Time.currentTime();
        // an offline session may have started after the login's online one: counted from now, an upper bound
        long offline = realm.isOfflineSessionMaxLifespanEnabled()
                ? realm.getOfflineSessionMaxLifespan()
                : realm.getOfflineSessionIdleTimeout();
        long remaining;
        if (scope == RevocationScope.USER_SESSION) {
            remaining = Math.max(online, offline);
        } else {
            remaining = TokenFamilies.isOffline(token) ? offline : online;
        }
        return Math.max(remaining, 0) + MARGIN_SECONDS;
    }
}
