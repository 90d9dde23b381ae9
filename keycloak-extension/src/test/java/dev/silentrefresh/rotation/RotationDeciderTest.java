package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.silentrefresh.rotation.RotationDecision.Verdict;

class RotationDeciderTest {

    private static final long ROTATED_AT = 1_000_000L;
    private static final String FAMILY = "fam-1";
    private static final String CONSUMED = "jti-consumed";

    private final RotationDecider tenSecondWindow = new RotationDecider(Duration.ofSeconds(10));
    private final RotationDecider noWindow = new RotationDecider(Duration.ZERO);

    @Test
    void decideWhenTheTokenWasNeverStampedThenItIsAdoptedAtGenerationOne() {
        assertEquals(RotationDecision.adopt(), noWindow.decide(null, new PresentedToken(null, 0, "jti"), ROTATED_AT));
        assertEquals(1, RotationDecision.adopt().issueGeneration());
    }

    @Test
    void decideWhenTheNewestTokenIsPresentedThenRotatesToTheNextGeneration() {
        assertEquals(RotationDecision.rotate(4), noWindow.decide(family(3), token(3, "any-sibling"), ROTATED_AT + 60_000));
    }

    @Test
    void decideWhenARecordIsBehindTheTokenThenRotatesFromTheToken() {
        assertEquals(RotationDecision.rotate(6), tenSecondWindow.decide(family(3), token(5, "jti"), ROTATED_AT));
    }

    @ParameterizedTest(name = "the consumed token {0} ms after the rotation -> {1}")
    @CsvSource({
            "0, GRACE",
            "1, GRACE",
            "9999, GRACE",
            "10000, REUSE",
            "60000, REUSE"
    })
    void decideWhenTheConsumedTokenComesBackThenTheWindowDecides(long millisAfterRotation, Verdict expected) {
        assertEquals(expected, tenSecondWindow.decide(family(3), token(2, CONSUMED), ROTATED_AT + millisAfterRotation).verdict());
    }

    @Test
    void decideWhenGraceIsGrantedThenASiblingOfTheNewestGenerationIsIssuedAndTheFamilyStays() {
        RotationDecision decision = tenSecondWindow.decide(family(3), token(2, CONSUMED), ROTATED_AT + 500);
        assertEquals(RotationDecision.grace(3), decision);
        assertFalse(decision.advancesFamily());
    }

    @Test
    void decideWhenAnotherTokenOfThePreviousGenerationComesBackInsideTheWindowThenItIsReuse() {
        // the sibling a thief got by replaying, after the victim's sibling moved the family on (the leapfrog)
        assertEquals(RotationDecision.reuse(), tenSecondWindow.decide(family(3), token(2, "jti-of-another-sibling"), ROTATED_AT + 1));
    }

    @Test
    void aThiefReplayingThePreviousTokenNeverOutlivesOneRefreshOfEitherSide() {
        // victim: T0 -> T1 (consumes T0); thief replays T0 inside the window and gets a sibling S1 of generation 1
        FamilyState afterVictim = FamilyState.issued(1, ROTATED_AT, 0, "T0", settings(10));
        assertEquals(Verdict.GRACE, tenSecondWindow.decide(afterVictim, token(0, "T0"), ROTATED_AT + 100).verdict());
        // whichever of T1 and S1 rotates first moves the family to 2; the other one is then reuse, window or not
        FamilyState victimFirst = FamilyState.issued(2, ROTATED_AT + 200, 0, "T1", settings(10));
        assertEquals(Verdict.REUSE, tenSecondWindow.decide(victimFirst, token(1, "S1"), ROTATED_AT + 300).verdict());
        FamilyState thiefFirst = FamilyState.issued(2, ROTATED_AT + 200, 0, "S1", settings(10));
        assertEquals(Verdict.REUSE, tenSecondWindow.decide(thiefFirst, token(1, "T1"), ROTATED_AT + 300).verdict());
    }

    @Test
    void decideWhenTheWindowIsZeroThenTheConsumedTokenIsReuseEvenInTheSameMillisecond() {
        assertEquals(Verdict.REUSE, noWindow.decide(family(3), token(2, CONSUMED), ROTATED_AT).verdict());
    }

    @ParameterizedTest(name = "generation {0} of a family at 3 is reuse even inside the window")
    @CsvSource({"0", "1"})
    void decideWhenAnOlderAncestorIsPresentedThenItIsReuseInsideTheWindow(int presented) {
        assertEquals(RotationDecision.reuse(), tenSecondWindow.decide(family(3), token(presented, CONSUMED), ROTATED_AT + 1));
    }

    @Test
    void decideWhenTheServerClockWentBackwardsThenTheWindowStillStartsAtTheRotation() {
        assertEquals(Verdict.GRACE, tenSecondWindow.decide(family(3), token(2, CONSUMED), ROTATED_AT - 5_000).verdict());
        assertEquals(Verdict.REUSE, noWindow.decide(family(3), token(2, CONSUMED), ROTATED_AT - 5_000).verdict());
    }

    @Test
    void decideWhenTokensOfOneSecondAreReplayedThenGenerationsTellThemApart() {
        // T0 -> T1 -> T2 within one millisecond: timestamps cannot order them, generations can
        FamilyState afterTwoRotations = FamilyState.issued(2, ROTATED_AT, 0, "T1", settings(0));
        assertEquals(Verdict.REUSE, noWindow.decide(afterTwoRotations, token(1, "T1"), ROTATED_AT).verdict());
        assertEquals(Verdict.REUSE, noWindow.decide(afterTwoRotations, token(0, "T0"), ROTATED_AT).verdict());
        assertEquals(Verdict.ROTATE, noWindow.decide(afterTwoRotations, token(2, "T2"), ROTATED_AT).verdict());
    }

    @Test
    void decideWhenTheFamilyIsRevokedOrNoLongerTrackedThenRefusesWithoutCallingItReuse() {
        assertEquals(RotationDecision.refuse(), tenSecondWindow.decide(family(3).revoke(), token(3, "jti"), ROTATED_AT));
        assertEquals(RotationDecision.refuse(), tenSecondWindow.decide(null, token(3, "jti"), ROTATED_AT));
    }

    @Test
    void decideWhenAStateOfVersionOneDoesNotKnowTheConsumedTokenThenThePreviousGenerationKeepsItsLeeway() {
        FamilyState versionOne = FamilyState.fromNoteValue("3:" + ROTATED_AT + ":0");
        assertEquals(Verdict.GRACE, tenSecondWindow.decide(versionOne, token(2, "whatever"), ROTATED_AT + 1).verdict());
        assertEquals(Verdict.REUSE, tenSecondWindow.decide(versionOne, token(1, "whatever"), ROTATED_AT + 1).verdict());
    }

    @Test
    void onlyRotationAndAdoptionAdvanceTheFamily() {
        assertTrue(RotationDecision.rotate(2).advancesFamily());
        assertTrue(RotationDecision.adopt().advancesFamily());
        assertFalse(RotationDecision.grace(2).advancesFamily());
        assertFalse(RotationDecision.reuse().advancesFamily());
        assertFalse(RotationDecision.refuse().advancesFamily());
    }

    @Test
    void aNegativeWindowOrGenerationIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RotationDecider(Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> new RotationDecider(null));
        assertThrows(IllegalArgumentException.class, () -> token(-1, "jti"));
    }

    private static PresentedToken token(int generation, String tokenId) {
        return new PresentedToken(FAMILY, generation, tokenId);
    }

    private static FamilyState family(int generation) {
        return FamilyState.issued(generation, ROTATED_AT, 0, CONSUMED, settings(10));
    }

    private static RotationSettings settings(int graceSeconds) {
        return new RotationSettings(Duration.ofSeconds(graceSeconds), RevocationScope.CLIENT_SESSION, true, 3);
    }
}
