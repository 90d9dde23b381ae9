package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class FamilyStateTest {

    @Test
    void toNoteValueWhenReadBackThenTheStateIsEqual() {
        FamilyState state = FamilyState.issued(42, 1_732_000_000_123L, 1_732_001_800L);
        assertEquals("42:1732000000123:1732001800", state.toNoteValue());
        assertEquals(state, FamilyState.fromNoteValue(state.toNoteValue()));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "1", "1:2", "1:2:3:4", "a:2:3", "1:b:3", "1:2:c", "-1:2:3", "99999999999:1:1"})
    void fromNoteValueWhenTheValueIsNotAStateThenNull(String value) {
        assertNull(FamilyState.fromNoteValue(value));
    }

    @Test
    void isExpiredWhenTheNewestTokenHasExpiredThenTrue() {
        FamilyState state = FamilyState.issued(1, 0, 100);
        assertFalse(state.isExpired(100_000));
        assertTrue(state.isExpired(100_001));
    }

    @Test
    void isExpiredWhenTheTokenNeverExpiresThenFalse() {
        assertFalse(FamilyState.issued(1, 0, 0).isExpired(Long.MAX_VALUE));
    }

    @Test
    void aNegativeGenerationIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FamilyState(-1, 0, 0));
    }
}
