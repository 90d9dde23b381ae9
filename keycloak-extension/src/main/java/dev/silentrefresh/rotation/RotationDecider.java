package dev.silentrefresh.rotation;

import java.time.Duration;
import java.util.Objects;

/**
 * The rotation rule as a pure function of (family state, presented token, clock, grace window).
 *
 * <p>Generations, not timestamps, order the tokens of a family, so tokens minted within the same second can never be
 * mistaken for one another (Keycloak #50999 compares {@code iat} seconds). Inside the grace window only the one token the
 * last rotation consumed may come back, and it receives a sibling of the newest generation: a retry after a lost response
 * or two tabs racing get through, but once either sibling has moved the family on, every other token of that generation
 * is another holder's copy. A thief replaying the previous token therefore never outlives one refresh of either side.
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
     * @param family    the state of the presented token's family; {@code null} when none is recorded
     * @param presented the presented refresh token, already verified by Keycloak; unstamped only when its client session
     *                  has adopted no token yet (an unstamped token after an adoption is presented as generation 0 of the
     *                  adopted family)
     * @param nowMillis server time
     */
    RotationDecision decide(FamilyState family, PresentedToken presented, long nowMillis) {
        Objects.requireNonNull(presented, "presented cannot be null");
        if (!presented.isStamped()) {
            return RotationDecision.adopt();
        }
        // a stamped token whose family is gone (dropped from a full client session): refuse, but it proves no theft
        if (family == null || family.revoked()) {
            return RotationDecision.refuse();
        }
        int current = family.generation();
        int generation = presented.generation();
        // a newer generation than recorded was signed by this realm, so the record is behind: never revoke on that alone
        if (generation >= current) {
            return RotationDecision.rotate(generation + 1);
        }
        if (generation == current - 1 && isTheConsumedToken(family, presented) && isWithinGraceWindow(family, nowMillis)) {
            return RotationDecision.grace(current);
        }
        return RotationDecision.reuse();
    }

    private static boolean isTheConsumedToken(FamilyState family, PresentedToken presented) {
        // a state written by version 1 of the extension does not know the consumed token: it keeps version 1's leeway
        return family.consumedTokenId() == null || family.consumedTokenId().equals(presented.tokenId());
    }

    private boolean isWithinGraceWindow(FamilyState family, long nowMillis) {
        long sinceRotation = Math.max(0, nowMillis - family.rotatedAtMillis());
        return sinceRotation < graceMillis;
    }
}
