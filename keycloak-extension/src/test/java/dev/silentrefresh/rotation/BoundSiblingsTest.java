package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoundSiblingsTest {

    @Test
    void retiresWhenMoreThanMaxSiblingsFollowedThenOnlyTheNewestMaxStayAlive() {
        BoundSiblings fourIssued = new BoundSiblings(7, 4);
        assertTrue(fourIssued.retires(7, 0, 3), "the generation's original");
        assertTrue(fourIssued.retires(7, 1, 3));
        assertFalse(fourIssued.retires(7, 2, 3));
        assertFalse(fourIssued.retires(7, 4, 3));
        assertFalse(fourIssued.retires(8, 0, 3), "a record of another generation retires nothing");
        assertFalse(BoundSiblings.NONE.retires(0, 0, 1));
    }

    @Test
    void withWhenANumberIsIssuedThenTheHighestOfTheGenerationIsKept() {
        assertEquals(new BoundSiblings(7, 5), new BoundSiblings(7, 4).with(7, 5));
        assertEquals(new BoundSiblings(7, 5), new BoundSiblings(7, 5).with(7, 3), "a lost update never lowers the record");
        assertEquals(new BoundSiblings(8, 1), new BoundSiblings(7, 5).with(8, 1), "a new generation starts over");
        assertEquals(0, new BoundSiblings(7, 5).issuedAt(8));
    }

    @Test
    void noteValueWhenWrittenThenReadBack() {
        BoundSiblings siblings = new BoundSiblings(12, 3);
        assertEquals(siblings, BoundSiblings.fromNoteValue(siblings.toNoteValue()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "3", "a;b", "1;2;3", "1;"})
    void fromNoteValueWhenUnreadableThenNone(String value) {
        assertEquals(BoundSiblings.NONE, BoundSiblings.fromNoteValue(value));
        assertEquals(BoundSiblings.NONE, BoundSiblings.fromNoteValue(null));
    }
}
