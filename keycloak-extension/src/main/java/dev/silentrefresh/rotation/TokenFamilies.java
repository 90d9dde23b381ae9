package dev.silentrefresh.rotation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;
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

    /** A family's note in an online client session (and, before offline families had their own prefix, in an offline one). */
    private static final String NOTE_PREFIX = "rtr.f.";
    /**
     * A family's note in an offline client session. Keycloak creates an offline client session with copies of the online
     * one's notes, so a prefix of its own tells the offline session's families from those copies.
     */
    private static final String OFFLINE_NOTE_PREFIX = "rtr.o.";
    /**
     * A revoked family (scope {@code family}) is marked in a note of its own, which a rotation of the family committing at
     * the same moment does not write, so it cannot put the family back.
     */
    private static final String REVOKED_PREFIX = "rtr.r.";
    /** Version 1 of the extension kept families under this prefix; still read, replaced on the next rotation. */
    private static final String VERSION_1_NOTE_PREFIX = "rtr.";
    /** The family that adopted the client session's tokens from before the policy covered it; one key each for online and offline. */
    private static final String ADOPTED_NOTE = "rtr.adopted";
    private static final String OFFLINE_ADOPTED_NOTE = "rtr.adopted.offline";
    /**
     * A random id of the client session, written with its first family: a revocation mark names the client session by it.
     * A client session created later under the same login and client (a silent re-login after a revocation, even within
     * the same second) gets an id of its own; the revoked one, should Keycloak put it back into its cache, keeps its id.
     */
    private static final String CLIENT_SESSION_ID_NOTE = "rtr.cs";

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

    /** Whether the client session is an offline one (an offline token's home). */
    static boolean isOfflineSession(AuthenticatedClientSessionModel clientSession) {
        UserSessionModel userSession = clientSession.getUserSession();
        return userSession != null && userSession.isOffline();
    }

    /** The key under which this version writes the family's note in this client session. */
    static String noteKey(AuthenticatedClientSessionModel clientSession, String family) {
        return (isOfflineSession(clientSession) ? OFFLINE_NOTE_PREFIX : NOTE_PREFIX) + family;
    }

    /**
     * Every key the family's note may be under, newest first: this version's, then the earlier ones (an offline family
     * under the online prefix, version 1's). A family id comes from a token this realm signed, so an older key of the same
     * id is the same family, never a copy of another one.
     */
    private static List<String> noteKeys(AuthenticatedClientSessionModel clientSession, String family) {
        return isOfflineSession(clientSession)
                ? List.of(OFFLINE_NOTE_PREFIX + family, NOTE_PREFIX + family, VERSION_1_NOTE_PREFIX + family)
                : List.of(NOTE_PREFIX + family, VERSION_1_NOTE_PREFIX + family);
    }

    static String readNote(AuthenticatedClientSessionModel clientSession, String family) {
        return valueOf(snapshot(clientSession, family));
    }

    /** The family's notes as they are now, under every key (absent ones as {@code null}), to decide on and to put back. */
    static Map<String, String> snapshot(AuthenticatedClientSessionModel clientSession, String family) {
        Map<String, String> notes = new LinkedHashMap<>();
        for (String key : noteKeys(clientSession, family)) {
            notes.put(key, clientSession.getNote(key));
        }
        return notes;
    }

    /** The family's state as a snapshot holds it: the newest key that has a value. */
    static String valueOf(Map<String, String> snapshot) {
        return snapshot.values().stream().filter(Objects::nonNull).findFirst().orElse(null);
    }

    /** Puts the family's notes back as a snapshot holds them. */
    static void restore(AuthenticatedClientSessionModel clientSession, Map<String, String> snapshot) {
        snapshot.forEach((key, value) -> restoreNote(clientSession, key, value));
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
        return clientSession.getNote(revokedNoteKey(family)) != null;
    }

    static String revokedNoteKey(String family) {
        return REVOKED_PREFIX + family;
    }

    static void markRevoked(AuthenticatedClientSessionModel clientSession, String family) {
        clientSession.setNote(REVOKED_PREFIX + family, "1");
    }

    /** Writes the family's note under this version's key and drops the older ones: nothing stale is left to read or prune. */
    static void write(AuthenticatedClientSessionModel clientSession, String family, FamilyState state) {
        List<String> keys = noteKeys(clientSession, family);
        clientSession.setNote(keys.get(0), state.toNoteValue());
        for (String older : keys.subList(1, keys.size())) {
            if (clientSession.getNote(older) != null) {
                clientSession.removeNote(older);
            }
        }
    }

    /** Puts a note back as it was before this request ({@code null}: absent). */
    static void restoreNote(AuthenticatedClientSessionModel clientSession, String key, String value) {
        if (value == null) {
            if (clientSession.getNote(key) != null) {
                clientSession.removeNote(key);
            }
        } else {
            clientSession.setNote(key, value);
        }
    }

    /**
     * The family that adopted this client session's unstamped tokens. An offline client session reads its own key, never
     * the copy of the online session's that Keycloak put there when it created the offline one.
     */
    static String adoptedFamily(AuthenticatedClientSessionModel clientSession) {
        return clientSession.getNote(adoptedNoteKey(clientSession));
    }

    static String adoptedNoteKey(AuthenticatedClientSessionModel clientSession) {
        return isOfflineSession(clientSession) ? OFFLINE_ADOPTED_NOTE : ADOPTED_NOTE;
    }

    static void markAdopted(AuthenticatedClientSessionModel clientSession, String family) {
        clientSession.setNote(adoptedNoteKey(clientSession), family);
    }

    /** The client session's id for revocation marks, or {@code null} for one that has held no family since this version. */
    static String clientSessionId(AuthenticatedClientSessionModel clientSession) {
        return clientSession.getNote(CLIENT_SESSION_ID_NOTE);
    }

    /** Gives the client session its id for revocation marks, unless it has one. */
    static void ensureClientSessionId(AuthenticatedClientSessionModel clientSession) {
        if (clientSession.getNote(CLIENT_SESSION_ID_NOTE) == null) {
            clientSession.setNote(CLIENT_SESSION_ID_NOTE, KeycloakModelUtils.generateId());
        }
    }

    /** Every family the client session holds a note of, the adopted one included. */
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
     * A dropped family's tokens are refused afterwards, without revoking anything. A note that a newer key of the same
     * family supersedes (left by an earlier version) is dropped on its own, and the family's revocation mark stays. Runs at
     * login, never on a refresh.
     */
    static void makeRoomForOneMore(AuthenticatedClientSessionModel clientSession, long nowMillis) {
        Map<String, List<String>> keysByFamily = new LinkedHashMap<>();
        clientSession.getNotes().keySet().stream().filter(TokenFamilies::isFamilyNote)
                .forEach(key -> keysByFamily.computeIfAbsent(familyOfNote(key), family -> new ArrayList<>()).add(key));
        List<Map.Entry<String, FamilyState>> families = new ArrayList<>();
        keysByFamily.forEach((family, keys) -> {
            Map<String, String> snapshot = snapshot(clientSession, family);
            String newest = snapshot.entrySet().stream().filter(note -> note.getValue() != null).map(Map.Entry::getKey)
                    .findFirst().orElse(keys.get(0));
            keys.stream().filter(key -> !key.equals(newest)).forEach(clientSession::removeNote);
            families.add(Map.entry(family, stateOrExpired(clientSession.getNote(newest))));
        });
        families.sort(Comparator.comparingLong((Map.Entry<String, FamilyState> family) -> family.getValue().rotatedAtMillis()));
        int kept = families.size();
        for (Map.Entry<String, FamilyState> family : families) {
            boolean overBound = kept >= MAX_FAMILIES_PER_CLIENT_SESSION;
            if (overBound || family.getValue().isExpired(nowMillis)) {
                drop(clientSession, family.getKey());
                kept--;
            }
        }
    }

    /** Removes every note of the family: its state under any key and its revocation mark. */
    private static void drop(AuthenticatedClientSessionModel clientSession, String family) {
        List<String> keys = new ArrayList<>(noteKeys(clientSession, family));
        keys.add(REVOKED_PREFIX + family);
        keys.stream().filter(key -> clientSession.getNote(key) != null).forEach(clientSession::removeNote);
    }

    private static boolean isFamilyNote(String key) {
        return key.startsWith(VERSION_1_NOTE_PREFIX) && !key.startsWith(ADOPTED_NOTE) && !key.startsWith(REVOKED_PREFIX)
                && !key.equals(CLIENT_SESSION_ID_NOTE);
    }

    private static String familyOfNote(String key) {
        if (key.startsWith(NOTE_PREFIX)) {
            return key.substring(NOTE_PREFIX.length());
        }
        if (key.startsWith(OFFLINE_NOTE_PREFIX)) {
            return key.substring(OFFLINE_NOTE_PREFIX.length());
        }
        return key.substring(VERSION_1_NOTE_PREFIX.length());
    }

    /** An unreadable note counts as an expired family, so it is the first to go. */
    private static FamilyState stateOrExpired(String value) {
        FamilyState state = FamilyState.fromNoteValue(value);
        return state != null ? state : new FamilyState(0, Long.MIN_VALUE, 1, null, 0, RevocationScope.CLIENT_SESSION, true);
    }
}
