package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.UserSessionModel;

/**
 * Where a family's state lives in a client session's notes, across versions of the extension and across the online and
 * offline client sessions of one login (Keycloak creates the offline one with copies of the online one's notes).
 */
class TokenFamiliesTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final String FAMILY = "0b6f3c1e-5d2a-4a8e-9f1b-2c3d4e5f6a7b";

    @Test
    void makeRoomWhenAVersion1NoteIsSupersededThenOnlyThatNoteGoesAndTheFamilyStaysRevoked() {
        AuthenticatedClientSessionModel online = clientSession(false);
        // version 1 left its note; version 2 rotated the family since, and a reuse then revoked it (scope family)
        online.setNote("rtr." + FAMILY, "1:" + (NOW - 3_600_000) + ":" + (NOW / 1000 - 1800));
        online.setNote("rtr.f." + FAMILY, FamilyState.issued(2, NOW - 1000, NOW / 1000 + 1800, "jti-1", RotationSettings.DEFAULTS).toNoteValue());
        TokenFamilies.markRevoked(online, FAMILY);

        TokenFamilies.makeRoomForOneMore(online, NOW);

        assertNull(online.getNote("rtr." + FAMILY), "the stale version-1 note is gone");
        assertTrue(TokenFamilies.read(online, FAMILY).revoked(), "the revoked family stays revoked");
        assertEquals(2, TokenFamilies.read(online, FAMILY).generation());
    }

    @Test
    void writeWhenAnOlderNoteOfTheFamilyExistsThenItIsReplacedSoNothingStaleIsReadLater() {
        AuthenticatedClientSessionModel online = clientSession(false);
        online.setNote("rtr." + FAMILY, "1:" + (NOW - 3_600_000) + ":0");

        TokenFamilies.write(online, FAMILY, FamilyState.issued(2, NOW, 0, "jti-1", RotationSettings.DEFAULTS));
        online.removeNote("rtr.f." + FAMILY);   // the version-2 note dropped, e.g. with its family

        assertNull(TokenFamilies.readNote(online, FAMILY), "no fallback to the version-1 state");
    }

    @Test
    void makeRoomWhenAFamilyIsDroppedThenAllItsNotesAndItsMarkGo() {
        AuthenticatedClientSessionModel online = clientSession(false);
        online.setNote("rtr.f." + FAMILY, FamilyState.issued(2, NOW - 5000, NOW / 1000 - 1, "jti-1", RotationSettings.DEFAULTS).toNoteValue());
        TokenFamilies.markRevoked(online, FAMILY);

        TokenFamilies.makeRoomForOneMore(online, NOW);

        assertEquals(Map.of(), online.getNotes(), "an expired family leaves nothing behind");
    }

    @Test
    void anOfflineClientSessionIgnoresTheOnlineAdoptionItWasCreatedWithAndKeepsItsFamiliesApart() {
        AuthenticatedClientSessionModel online = clientSession(false);
        TokenFamilies.markAdopted(online, "online-family");
        TokenFamilies.write(online, "online-family", FamilyState.issued(1, NOW, 0, "jti-1", RotationSettings.DEFAULTS));
        AuthenticatedClientSessionModel offline = clientSession(true);
        online.getNotes().forEach(offline::setNote);   // what Keycloak does when it creates the offline client session

        assertNull(TokenFamilies.adoptedFamily(offline));
        TokenFamilies.markAdopted(offline, "offline-family");
        TokenFamilies.write(offline, "offline-family", FamilyState.issued(1, NOW, 0, "jti-2", RotationSettings.DEFAULTS));

        assertEquals("offline-family", TokenFamilies.adoptedFamily(offline));
        assertEquals("online-family", TokenFamilies.adoptedFamily(online));
        assertTrue(offline.getNotes().containsKey("rtr.o.offline-family"));
    }

    @Test
    void anOfflineFamilyWrittenBeforeOfflineFamiliesHadTheirOwnKeyIsStillReadAndMovesOnRotation() {
        AuthenticatedClientSessionModel offline = clientSession(true);
        offline.setNote("rtr.f." + FAMILY, FamilyState.issued(3, NOW, 0, "jti-3", RotationSettings.DEFAULTS).toNoteValue());

        assertEquals(3, TokenFamilies.read(offline, FAMILY).generation());
        TokenFamilies.write(offline, FAMILY, FamilyState.issued(4, NOW, 0, "jti-4", RotationSettings.DEFAULTS));

        assertNull(offline.getNote("rtr.f." + FAMILY));
        assertEquals(4, TokenFamilies.read(offline, FAMILY).generation());
    }

    /** A client session with notes only (the only part of it the family store uses), online or offline. */
    private static AuthenticatedClientSessionModel clientSession(boolean offline) {
        Map<String, String> notes = new LinkedHashMap<>();
        UserSessionModel userSession = (UserSessionModel) Proxy.newProxyInstance(TokenFamiliesTest.class.getClassLoader(),
                new Class<?>[] {UserSessionModel.class}, (proxy, method, args) -> {
                    if (method.getName().equals("isOffline")) {
                        return offline;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return (AuthenticatedClientSessionModel) Proxy.newProxyInstance(TokenFamiliesTest.class.getClassLoader(),
                new Class<?>[] {AuthenticatedClientSessionModel.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getNote" -> notes.get((String) args[0]);
                    case "setNote" -> notes.put((String) args[0], (String) args[1]);
                    case "removeNote" -> notes.remove((String) args[0]);
                    case "getNotes" -> notes;
                    case "getUserSession" -> userSession;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
