package dev.silentrefresh.rotation;

import java.util.List;
import java.util.Map;

import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.representations.RefreshToken;
import org.keycloak.util.TokenUtil;

/**
 * Where a refresh token's family lives: two private claims on the token, and one note per family in the client
 * session. Client-session notes are Keycloak's cluster-wide, persisted session store, so the state survives restarts
 * and is seen by every node.
 */
final class TokenFamilies {

    /** Claim naming the family; absent on tokens the executor did not issue. */
    static final String FAMILY_CLAIM = "rtr_fam";
    /** Claim holding the token's generation within its family. */
    static final String GENERATION_CLAIM = "rtr_gen";

    private static final String NOTE_PREFIX = "rtr.";

    private TokenFamilies() {
    }

    /**
     * The family of a refresh token. A token without the claim (issued before the policy covered the client, or by a
     * grant that is not stamped) starts a family named after its own id, so the next refresh adopts it.
     */
    static String familyOf(RefreshToken token) {
        Object family = token.getOtherClaims().get(FAMILY_CLAIM);
        return family instanceof String id && !id.isEmpty() ? id : token.getId();
    }

    /** The generation of a refresh token, 0 for a token without the claim. */
    static int generationOf(RefreshToken token) {
        Object generation = token.getOtherClaims().get(GENERATION_CLAIM);
        return generation instanceof Number number ? Math.max(0, number.intValue()) : 0;
    }

    /** The user session a refresh token belongs to: the offline one for an offline token, or {@code null} if it is gone. */
    static UserSessionModel userSessionOf(KeycloakSession session, RealmModel realm, RefreshToken token) {
        return isOffline(token)
                ? session.sessions().getOfflineUserSession(realm, token.getSessionId())
                : session.sessions().getUserSession(realm, token.getSessionId());
    }

    static boolean isOffline(RefreshToken token) {
        return TokenUtil.TOKEN_TYPE_OFFLINE.equals(token.getType());
    }

    static void stamp(RefreshToken token, String family, int generation) {
        token.getOtherClaims().put(FAMILY_CLAIM, family);
        token.getOtherClaims().put(GENERATION_CLAIM, generation);
    }

    static FamilyState read(AuthenticatedClientSessionModel clientSession, String family) {
        return FamilyState.fromNoteValue(clientSession.getNote(NOTE_PREFIX + family));
    }

    static void write(AuthenticatedClientSessionModel clientSession, String family, FamilyState state) {
        clientSession.setNote(NOTE_PREFIX + family, state.toNoteValue());
    }

    /**
     * Drops the notes of families whose newest token has expired: no token of theirs can be refreshed any more, and
     * every new login would otherwise add a note that stays for the life of the session.
     */
    static void forgetExpired(AuthenticatedClientSessionModel clientSession, long nowMillis) {
        List<String> expired = clientSession.getNotes().entrySet().stream()
                .filter(note -> note.getKey().startsWith(NOTE_PREFIX))
                .filter(note -> isExpired(note, nowMillis))
                .map(Map.Entry::getKey)
                .toList();
        expired.forEach(clientSession::removeNote);
    }

    private static boolean isExpired(Map.Entry<String, String> note, long nowMillis) {
        FamilyState state = FamilyState.fromNoteValue(note.getValue());
        return state == null || state.isExpired(nowMillis);
    }
}
