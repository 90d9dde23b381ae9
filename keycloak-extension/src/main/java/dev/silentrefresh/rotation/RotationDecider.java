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
 *
 * <p>With bound-token retry, the consumed token of a DPoP-bound family presented with a proof by the family's key is the
 * holder by construction (the key cannot leave the holder's device, and Keycloak refuses the token without a proof by it),
 * so it gets a sibling at any time until the family moves on; of those bound siblings only the newest
 * {@code maxAliveBoundSiblings} stay alive ({@link BoundSiblings}).
 */
final class RotationDecider {

    private final long graceMillis;
    private final boolean boundTokenRetry;
    private final int maxAliveBoundSiblings;

    RotationDecider(Duration gracePeriod) {
        this(gracePeriod, false, 1);
    }

    /** @param maxAliveBoundSiblings how many bound-retry siblings of one generation may be alive at once */
    RotationDecider(Duration gracePeriod, boolean boundTokenRetry, int maxAliveBoundSiblings) {
        Objects.requireNonNull(gracePeriod, "gracePeriod cannot be null");
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("gracePeriod must not be negative");
        }
        if (maxAliveBoundSiblings < 1) {
            throw new IllegalArgumentException("maxAliveBoundSiblings must be at least 1");
        }
        this.graceMillis = gracePeriod.toMillis();
        this.boundTokenRetry = boundTokenRetry;
        this.maxAliveBoundSiblings = maxAliveBoundSiblings;
    }

    static RotationDecider of(RotationSettings settings) {
        return new RotationDecider(settings.gracePeriod(), settings.boundTokenRetry(), settings.maxGraceSiblings());
    }

    /**
     * @param family    the state of the presented token's family; {@code null} when none is recorded
     * @param presented the presented refresh token, already verified by Keycloak; unstamped only when its client session
     *                  has adopted no token yet (an unstamped token after an adoption is presented as generation 0 of the
     *                  adopted family)
     * @param nowMillis server time
     */
    RotationDecision decide(FamilyState family, PresentedToken presented, long nowMillis) {
        return decide(family, BoundSiblings.NONE, presented, nowMillis);
    }

    /**
     * @param siblings  the bound-retry siblings recorded for the family
     * @param nowMillis server time at which the request's processing started: the server's own delay in getting to the
     *                  decision does not count against the window
     */
    RotationDecision decide(FamilyState family, BoundSiblings siblings, PresentedToken presented, long nowMillis) {
        Objects.requireNonNull(siblings, "siblings cannot be null");
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
            // retired by newer bound siblings (whatever the settings are now): refused, but presented with the key, no theft
            if (siblings.retires(generation, presented.sibling(), maxAliveBoundSiblings)) {
                return RotationDecision.refuse();
            }
            return RotationDecision.rotate(generation + 1);
        }
        if (generation == current - 1 && isTheConsumedToken(family, presented)
                && (isBoundRetry(family, presented) || isWithinGraceWindow(family, nowMillis))) {
            return RotationDecision.grace(current);
        }
        return RotationDecision.reuse();
    }

    /**
     * The consumed token of a key-bound family, with a proof by that key, under bound-token retry: any time. Only where the
     * family knows which token it consumed (a state from version 1 does not, and keeps the window alone).
     */
    private boolean isBoundRetry(FamilyState family, PresentedToken presented) {
        return boundTokenRetry && presented.boundToKey() && family.consumedTokenId() != null;
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
