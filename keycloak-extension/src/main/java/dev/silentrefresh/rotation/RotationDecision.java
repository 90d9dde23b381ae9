package dev.silentrefresh.rotation;

/**
 * What to do with a presented refresh token, decided by {@link RotationDecider}.
 *
 * @param verdict          the outcome
 * @param issueGeneration  generation to stamp on the refresh token issued for this request ({@code -1} when none is issued)
 */
record RotationDecision(Verdict verdict, int issueGeneration) {

    enum Verdict {
        /** The presented token is of the family's newest generation: issue the next one and advance the family. */
        ROTATE,
        /**
         * The presented token is exactly the one the last rotation consumed, back inside the grace window (a lost response,
         * two tabs racing): issue a sibling of the newest generation and leave the family where it is.
         */
        GRACE,
        /** A token the executor never stamped, the first of its client session: start a family with it at generation 1. */
        ADOPT,
        /** The presented token was already used, or is another holder's copy: revoke and refuse. */
        REUSE,
        /** The family was revoked already, or is no longer tracked: refuse, revoke nothing more. */
        REFUSE
    }

    static RotationDecision rotate(int nextGeneration) {
        return new RotationDecision(Verdict.ROTATE, nextGeneration);
    }

    static RotationDecision grace(int currentGeneration) {
        return new RotationDecision(Verdict.GRACE, currentGeneration);
    }

    static RotationDecision adopt() {
        return new RotationDecision(Verdict.ADOPT, 1);
    }

    static RotationDecision reuse() {
        return new RotationDecision(Verdict.REUSE, -1);
    }

    static RotationDecision refuse() {
        return new RotationDecision(Verdict.REFUSE, -1);
    }

    /** Whether the family's state moves: only then does the request need the generation's claim. */
    boolean advancesFamily() {
        return verdict == Verdict.ROTATE || verdict == Verdict.ADOPT;
    }
}
