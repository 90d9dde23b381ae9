package dev.silentrefresh.rotation;

import java.time.Duration;
import java.util.Objects;

/**
 * The rotation rule as a pure function of (family state, presented generation, clock, grace window).
 *
 * <p>Generations, not timestamps, order the tokens of a family, so tokens minted within the same second can never be
 * mistaken for one another (Keycloak #50999 compares {@code iat} seconds). Inside the grace window only the immediately
 * previous generation is accepted, and it receives a sibling of the newest generation rather than a chain of its own,
 * so a family never forks.
 */
final class RotationDecider {

    private final long graceMillis;

    RotationDecider(Duration gracePeriod) {
        Objects.requireNonNull(gracePeriod, "gracePeriod cannot be null");
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("gracePeriod must not be negative");
        }
        this.graceMillis = gracePeriod.toMillis();
    }

    /**
     * @param family              the family's state, or {@code null} when none is recorded (a token issued before the
     *                            policy covered the client, or by a grant the executor does not stamp)
     * @param presentedGeneration generation of the presented, already verified refresh token
     * @param nowMillis           server time
     */
    RotationDecision decide(FamilyState family, int presentedGeneration, long nowMillis) {
        if (presentedGeneration < 0) {
            throw new IllegalArgumentException("presentedGeneration must not be negative");
        }
        // adopt an unknown family at the presented token, so enabling the policy logs nobody out
        if (family == null) {
            return RotationDecision.rotate(presentedGeneration + 1);
        }
        int current = family.generation();
        if (presentedGeneration == current) {
            return RotationDecision.rotate(current + 1);
        }
        // a newer generation than recorded was signed by this realm, so the record is behind (e.g. replication lag):
        // never revoke on that alone
        if (presentedGeneration > current) {
            return RotationDecision.rotate(presentedGeneration + 1);
        }
        if (presentedGeneration == current - 1 && isWithinGraceWindow(family, nowMillis)) {
            return RotationDecision.grace(current);
        }
        return RotationDecision.reuse();
    }

    private boolean isWithinGraceWindow(FamilyState family, long nowMillis) {
        long sinceRotation = Math.max(0, nowMillis - family.rotatedAtMillis());
        return sinceRotation < graceMillis;
    }
}
