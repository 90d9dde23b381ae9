package dev.silentrefresh.rotation;

/**
 * What to do with a presented refresh token, decided by {@link RotationDecider}.
 *
 * @param verdict          the outcome
 * @param issueGeneration  generation to stamp on the refresh token issued for this request ({@code -1} on reuse)
 */
record RotationDecision(Verdict verdict, int issueGeneration) {

    enum Verdict {
        /** The presented token is the family's newest: issue the next generation and advance the family. */
        ROTATE,
        /**
         * The presented token is the immediately previous one, inside the grace window: issue a sibling of the newest
         * generation and leave the family as it is, so it stays a single chain.
         */
        GRACE,
        /** Anything else: the presented token was already used. Revoke the family and refuse. */
        REUSE
    }

    static RotationDecision rotate(int nextGeneration) {
        return new RotationDecision(Verdict.ROTATE, nextGeneration);
    }

    static RotationDecision grace(int currentGeneration) {
        return new RotationDecision(Verdict.GRACE, currentGeneration);
    }

    static RotationDecision reuse() {
        return new RotationDecision(Verdict.REUSE, -1);
    }

    boolean advancesFamily() {
        return verdict == Verdict.ROTATE;
    }
}
