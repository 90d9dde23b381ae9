package dev.silentrefresh.rotation;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.representations.RefreshToken;
import org.keycloak.util.TokenUtil;

/**
 * Where a refresh token's family lives: two private claims on the token, and one note per family in the client
 * session. Client-session notes are Keycloak's cluster-wide, persisted session store, so the state survives restarts
 * and is seen by every node; a refresh reads and writes only its own family's note.
 */
final class TokenFamilies {

    /** Claim naming the family; absent on tokens the executor did not issue. */
    static final String FAMILY_CLAIM = "rtr_fam";
    /** Claim holding the token's generation within its family. */
    static final String GENERATION_CLAIM = "rtr_gen";

    /**
     * At most this many families per client session: every login (a tab, a silent re-login) starts one, and Keycloak
     * writes all of a client session's notes on each change. At ~90 bytes a note that bounds the state at ~4.5 KB.
     */
    static final int MAX_FAMILIES_PER_CLIENT_SESSION = 50;

    private static final String NOTE_PREFIX = "rtr.f.";
    /**
     * A revoked family (scope {@code family}) is marked in a note of its own, which a rotation of the family committing at
     * the same moment does not write, so it cannot put the family back.
     */
    private static final String REVOKED_PREFIX = "rtr.r.";
    /** Version 1 of the extension kept families under this prefix; still read, replaced on the next rotation. */
    private static final String VERSION_1_NOTE_PREFIX = "rtr.";
    /** The family that adopted the client session's tokens from before the policy covered it. */
    private static final String ADOPTED_NOTE = "rtr.adopted";

    private TokenFamilies() {
    }

    /** The token as the rotation rule sees it. */
    static PresentedToken presented(RefreshToken token) {
        Object family = token.getOtherClaims().get(FAMILY_CLAIM);
        Object generation = token.getOtherClaims().get(GENERATION_CLAIM);
        boolean stamped = family instanceof String id && !id.isEmpty();
        int generationValue = generation instanceof Number number ? Math.max(0, number.intValue()) : 0;
        return new PresentedToken(stamped ? (String) family : null, stamped ? generationValue : 0, token.getId());
    }

    static boolean isOffline(RefreshToken token) {
        return TokenUtil.TOKEN_TYPE_OFFLINE.equals(token.getType());
    }

    static void stamp(RefreshToken token, String family, int generation) {
        token.getOtherClaims().put(FAMILY_CLAIM, family);
        token.getOtherClaims().put(GENERATION_CLAIM, generation);
    }

    static long expiryOf(RefreshToken token) {
        Long exp = token.getExp();
        return exp == null ? 0 : exp;
    }

    /** The user session a refresh token belongs to: the offline one for an offline token, or {@code null} if it is gone. */
    static UserSessionModel userSessionOf(KeycloakSession session, RealmModel realm, String sessionId, boolean offline) {
        return offline
                ? session.sessions().getOfflineUserSession(realm, sessionId)
                : session.sessions().getUserSession(realm, sessionId);
    }

    /** The client's session in the token's user session, or {@code null} if either is gone. */
    static AuthenticatedClientSessionModel clientSessionOf(KeycloakSession session, RealmModel realm, ClientModel client,
                                                          String sessionId, boolean offline) {
        UserSessionModel userSession = userSessionOf(session, realm, sessionId, offline);
        return userSession == null ? null : userSession.getAuthenticatedClientSessionByClient(client.getId());
    }

    static String noteKey(String family) {
        return NOTE_PREFIX + family;
    }

    static String readNote(AuthenticatedClientSessionModel clientSession, String family) {
        String value = clientSession.getNote(noteKey(family));
        return value != null ? value : clientSession.getNote(VERSION_1_NOTE_PREFIX + family);
    }

    static FamilyState read(AuthenticatedClientSessionModel clientSession, String family) {
        return stateOf(clientSession, family, readNote(clientSession, family));
    }

    /** The family's state from a value of its note (as read now, or earlier in the request), revoked if so marked. */
    static FamilyState stateOf(AuthenticatedClientSessionModel clientSession, String family, String noteValue) {
        FamilyState state = FamilyState.fromNoteValue(noteValue);
        return state != null && isRevoked(clientSession, family) ? state.revoke() : state;
    }

    private static boolean isRevoked(AuthenticatedClientSessionModel clientSession, String family) {
        return clientSession.getNote(REVOKED_PREFIX + family) != null;
    }

    static void markRevoked(AuthenticatedClientSessionModel clientSession, String family) {
        clientSession.setNote(REVOKED_PREFIX + family, "1");
    }

    static void write(AuthenticatedClientSessionModel clientSession, String family, FamilyState state) {
        // a version-1 note of the same family stays until login prunes it: the version-2 note is read first
        clientSession.setNote(noteKey(family), state.toNoteValue());
    }

    /** Puts a note back as it was before this request ({@code null}: absent). */
    static void restoreNote(AuthenticatedClientSessionModel clientSession, String key, String value) {
        if (value == null) {
            clientSession.removeNote(key);
        } else {
            clientSession.setNote(key, value);
        }
    }

    static String adoptedFamily(AuthenticatedClientSessionModel clientSession) {
        return clientSession.getNote(ADOPTED_NOTE);
    }

    static String adoptedNoteKey() {
        return ADOPTED_NOTE;
    }

    static void markAdopted(AuthenticatedClientSessionModel clientSession, String family) {
        clientSession.setNote(ADOPTED_NOTE, family);
    }

    /** Every family the client session holds, the adopted one included. */
    static Set<String> familiesOf(AuthenticatedClientSessionModel clientSession) {
        Set<String> families = new HashSet<>();
        clientSession.getNotes().keySet().stream().filter(TokenFamilies::isFamilyNote).map(TokenFamilies::familyOfNote)
                .forEach(families::add);
        String adopted = adoptedFamily(clientSession);
        if (adopted != null) {
            families.add(adopted);
        }
        return families;
    }

    /**
     * Makes room for one more family: drops families whose newest token has expired (none of their tokens can be
     * refreshed any more), then, while the client session would exceed the bound, the families that rotated longest ago.
     * A dropped family's tokens are refused afterwards, without revoking anything. Runs at login, never on a refresh.
     */
    static void makeRoomForOneMore(AuthenticatedClientSessionModel clientSession, long nowMillis) {
        List<Map.Entry<String, FamilyState>> families = clientSession.getNotes().entrySet().stream()
                .filter(note -> isFamilyNote(note.getKey()))
                .map(note -> Map.entry(note.getKey(), stateOrExpired(note.getValue())))
                .sorted(Comparator.comparingLong((Map.Entry<String, FamilyState> family) -> family.getValue().rotatedAtMillis()))
                .toList();
        int kept = families.size();
        for (Map.Entry<String, FamilyState> family : families) {
            boolean overBound = kept >= MAX_FAMILIES_PER_CLIENT_SESSION;
            if (overBound || family.getValue().isExpired(nowMillis)) {
                clientSession.removeNote(family.getKey());
                String revoked = REVOKED_PREFIX + familyOfNote(family.getKey());
                if (clientSession.getNote(revoked) != null) {
                    clientSession.removeNote(revoked);
                }
                kept--;
            }
        }
    }

    private static boolean isFamilyNote(String key) {
        return key.startsWith(VERSION_1_NOTE_PREFIX) && !key.equals(ADOPTED_NOTE) && !key.startsWith(REVOKED_PREFIX);
    }

    private static String familyOfNote(String key) {
        return key.startsWith(NOTE_PREFIX) ? key.substring(NOTE_PREFIX.length()) : key.substring(VERSION_1_NOTE_PREFIX.length());
    }

    /** An unreadable note counts as an expired family, so it is the first to go. */
    private static FamilyState stateOrExpired(String value) {
        FamilyState state = FamilyState.fromNoteValue(value);
        return state != null ? state : new FamilyState(0, Long.MIN_VALUE, 1, null, 0, RevocationScope.CLIENT_SESSION, true);
    }
}
