package dev.silentrefresh.rotation;

import java.util.Set;

import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.RefreshToken;

/**
 * Marks in Keycloak's cluster-wide single-use store that families, or a whole login, were revoked for reuse; a refresh of
 * anything marked is refused, whatever the session store says.
 *
 * <p>The session store cannot be relied on alone. Seen on Keycloak 26.7.3 with twelve requests racing on one token: a
 * request that loaded the client session from the database just before the revocation committed puts it back into the
 * cache afterwards, so Keycloak finds a revoked session again (in about one race in ten, for as long as the session
 * could have lived). The marks therefore live as long as the revoked sessions could.
 *
 * <p>A revoked client session is marked through the families it held, not through (login, client): after a revocation the
 * same browser logs in again silently and gets a new client session under the same login and client, with new families,
 * and that one must work.
 */
final class RevocationMarks {

    /** Beyond the sessions' own lifetime, for clocks and commits in flight. */
    private static final long MARGIN_SECONDS = 60;

    private RevocationMarks() {
    }

    /**
     * @param families the families revoked: the replayed one, or every family of its client session
     * @param login    whether the whole login (user session) was revoked
     */
    static void mark(KeycloakSession session, RealmModel realm, RefreshToken token, Set<String> families, boolean login) {
        long lifespan = lifespanSeconds(realm, TokenFamilies.isOffline(token));
        families.forEach(family -> session.singleUseObjects().putIfAbsent(familyKey(family), lifespan));
        if (login) {
            session.singleUseObjects().putIfAbsent(loginKey(token), lifespan);
        }
    }

    /** Whether the token's family or its login was revoked for reuse. */
    static boolean isRevoked(KeycloakSession session, RefreshToken token, String family) {
        return isFamilyRevoked(session, family) || session.singleUseObjects().contains(loginKey(token));
    }

    static boolean isFamilyRevoked(KeycloakSession session, String family) {
        return session.singleUseObjects().contains(familyKey(family));
    }

    private static String familyKey(String family) {
        return "rtr:revoked:family:" + family;
    }

    private static String loginKey(RefreshToken token) {
        return "rtr:revoked:user-session:" + token.getSessionId();
    }

    /** As long as a session of the realm can live (idle refreshes can extend it only up to the maximum). */
    private static long lifespanSeconds(RealmModel realm, boolean offline) {
        long lifetime = offline
                ? (realm.isOfflineSessionMaxLifespanEnabled() ? realm.getOfflineSessionMaxLifespan() : realm.getOfflineSessionIdleTimeout())
                : Math.max(realm.getSsoSessionIdleTimeout(), Math.max(realm.getSsoSessionMaxLifespan(), realm.getSsoSessionMaxLifespanRememberMe()));
        return Math.max(lifetime, 0) + MARGIN_SECONDS;
    }
}
