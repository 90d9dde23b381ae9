package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class FamilyStateTest {

    private static final RotationSettings TEN_SECONDS_FAMILY = new RotationSettings(Duration.ofSeconds(10), RevocationScope.FAMILY, true, 3);

    @Test
    void toNoteValueWhenReadBackThenTheStateIsEqual() {
        FamilyState state = FamilyState.issued(42, 1_732_000_000_123L, 1_732_001_800L, "ab12-cd:34", TEN_SECONDS_FAMILY);
        assertEquals("2;42;1732000000123;1732001800;10;f;-;ab12-cd:34", state.toNoteValue());
        assertEquals(state, FamilyState.fromNoteValue(state.toNoteValue()));
    }

    @Test
    void toNoteValueWhenRevokedOrNotYetRotatedThenReadBackTheSame() {
        FamilyState fresh = FamilyState.issued(0, 5, 0, null, RotationSettings.DEFAULTS);
        assertEquals(fresh, FamilyState.fromNoteValue(fresh.toNoteValue()));
        FamilyState revoked = fresh.revoke();
        assertTrue(FamilyState.fromNoteValue(revoked.toNoteValue()).revoked());
    }

    @Test
    void aTokenIdWithTheSeparatorInItSurvivesTheRoundTrip() {
        FamilyState state = FamilyState.issued(1, 1, 1, "odd;id;", RotationSettings.DEFAULTS);
        assertEquals("odd;id;", FamilyState.fromNoteValue(state.toNoteValue()).consumedTokenId());
    }

    @Test
    void fromNoteValueWhenTheNoteIsOfVersionOneThenTheStateHasNoConsumedTokenAndTheDefaults() {
        FamilyState state = FamilyState.fromNoteValue("4:1732000000123:1732001800");
        assertEquals(4, state.generation());
        assertEquals(1_732_000_000_123L, state.rotatedAtMillis());
        assertNull(state.consumedTokenId());
        assertEquals(RevocationScope.CLIENT_SESSION, state.revocationScope());
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "1", "1:2", "1:2:3:4", "a:2:3", "1:b:3", "1:2:c", "-1:2:3", "99999999999:1:1",
            "2;1;2;3;4;c;-", "2;1;2;3;4;x;-;id", "2;1;2;3;4;cc;-;id", "2;1;2;3;4;c;revoked;id", "2;-1;2;3;4;c;-;id",
            "2;1;2;3;-4;c;-;id", "2;one;2;3;4;c;-;id", "3;1;2;3;4;c;-;id"})
    void fromNoteValueWhenTheValueIsNotAStateThenNull(String value) {
        assertNull(FamilyState.fromNoteValue(value));
    }

    @Test
    void isExpiredWhenTheNewestTokenHasExpiredThenTrue() {
        FamilyState state = FamilyState.issued(1, 0, 100, null, RotationSettings.DEFAULTS);
        assertFalse(state.isExpired(100_000));
        assertTrue(state.isExpired(100_001));
    }

    @Test
    void isExpiredWhenTheTokenNeverExpiresThenFalse() {
        assertFalse(FamilyState.issued(1, 0, 0, null, RotationSettings.DEFAULTS).isExpired(Long.MAX_VALUE));
    }

    @Test
    void recordedSettingsAreTheOnesTheFamilyMovedWith() {
        RotationSettings recorded = FamilyState.issued(1, 0, 0, null, TEN_SECONDS_FAMILY).recordedSettings();
        assertEquals(Duration.ofSeconds(10), recorded.gracePeriod());
        assertEquals(RevocationScope.FAMILY, recorded.revocationScope());
    }

    @Test
    void aNegativeGenerationOrWindowIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FamilyState(-1, 0, 0, null, 0, RevocationScope.FAMILY, false));
        assertThrows(IllegalArgumentException.class, () -> new FamilyState(1, 0, 0, null, -1, RevocationScope.FAMILY, false));
    }
}
