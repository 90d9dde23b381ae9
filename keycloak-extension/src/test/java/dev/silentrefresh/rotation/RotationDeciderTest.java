package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.silentrefresh.rotation.RotationDecision.Verdict;

class RotationDeciderTest {

    private static final long ROTATED_AT = 1_000_000L;

    private final RotationDecider tenSecondWindow = new RotationDecider(Duration.ofSeconds(10));
    private final RotationDecider noWindow = new RotationDecider(Duration.ZERO);

    @Test
    void decideWhenNoFamilyIsRecordedThenAdoptsThePresentedToken() {
        assertEquals(RotationDecision.rotate(1), noWindow.decide(null, 0, ROTATED_AT));
        assertEquals(RotationDecision.rotate(6), noWindow.decide(null, 5, ROTATED_AT));
    }

    @Test
    void decideWhenTheNewestTokenIsPresentedThenRotatesToTheNextGeneration() {
        assertEquals(RotationDecision.rotate(4), noWindow.decide(family(3), 3, ROTATED_AT + 60_000));
    }

    @Test
    void decideWhenARecordIsBehindTheTokenThenRotatesFromTheToken() {
        assertEquals(RotationDecision.rotate(6), tenSecondWindow.decide(family(3), 5, ROTATED_AT));
    }

    @ParameterizedTest(name = "previous generation {0} ms after rotation -> {1}")
    @CsvSource({
            "0, GRACE",
            "1, GRACE",
            "9999, GRACE",
            "10000, REUSE",
            "60000, REUSE"
    })
    void decideWhenThePreviousTokenIsPresentedThenTheWindowDecides(long millisAfterRotation, Verdict expected) {
        RotationDecision decision = tenSecondWindow.decide(family(3), 2, ROTATED_AT + millisAfterRotation);
        assertEquals(expected, decision.verdict());
    }

    @Test
    void decideWhenGraceIsGrantedThenASiblingOfTheNewestGenerationIsIssuedAndTheFamilyStays() {
        RotationDecision decision = tenSecondWindow.decide(family(3), 2, ROTATED_AT + 500);
        assertEquals(RotationDecision.grace(3), decision);
        assertEquals(false, decision.advancesFamily());
    }

    @Test
    void decideWhenTheWindowIsZeroThenThePreviousTokenIsReuseEvenInTheSameMillisecond() {
        assertEquals(Verdict.REUSE, noWindow.decide(family(3), 2, ROTATED_AT).verdict());
    }

    @ParameterizedTest(name = "generation {0} of a family at 3 is reuse even inside the window")
    @CsvSource({"0", "1"})
    void decideWhenAnOlderAncestorIsPresentedThenItIsReuseInsideTheWindow(int presented) {
        assertEquals(RotationDecision.reuse(), tenSecondWindow.decide(family(3), presented, ROTATED_AT + 1));
    }

    @Test
    void decideWhenTheServerClockWentBackwardsThenTheWindowStillStartsAtTheRotation() {
        assertEquals(Verdict.GRACE, tenSecondWindow.decide(family(3), 2, ROTATED_AT - 5_000).verdict());
        assertEquals(Verdict.REUSE, noWindow.decide(family(3), 2, ROTATED_AT - 5_000).verdict());
    }

    @Test
    void decideWhenTokensOfOneSecondAreReplayedThenGenerationsTellThemApart() {
        // T0 -> T1 -> T2 within one millisecond: timestamps cannot order them, generations can
        FamilyState afterTwoRotations = FamilyState.issued(2, ROTATED_AT, 0);
        assertEquals(Verdict.REUSE, noWindow.decide(afterTwoRotations, 1, ROTATED_AT).verdict());
        assertEquals(Verdict.REUSE, noWindow.decide(afterTwoRotations, 0, ROTATED_AT).verdict());
        assertEquals(Verdict.ROTATE, noWindow.decide(afterTwoRotations, 2, ROTATED_AT).verdict());
    }

    @Test
    void aNegativeWindowOrGenerationIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RotationDecider(Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> new RotationDecider(null));
        assertThrows(IllegalArgumentException.class, () -> noWindow.decide(family(1), -1, ROTATED_AT));
    }

    private static FamilyState family(int generation) {
        return FamilyState.issued(generation, ROTATED_AT, 0);
    }
}
