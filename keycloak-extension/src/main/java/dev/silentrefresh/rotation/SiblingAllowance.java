package dev.silentrefresh.rotation;

import org.keycloak.models.SingleUseObjectProvider;

/**
 * Counts the siblings a consumed token receives, cluster-wide: slot {@code n} of a (family, generation issued) is a key in
 * Keycloak's single-use store, taken with {@code putIfAbsent}, which the store applies at once and atomically across nodes.
 *
 * <p>Inside the grace window ({@link #take()}) a request takes the lowest free slot up to {@code max-grace-siblings}; when
 * all are taken, the token has come back more often than any honest client retries, and the request is reuse. A slot stays
 * taken even if the request that took it is rolled back: one sibling fewer for a client whose request failed, never one
 * more for a thief.
 *
 * <p>Under bound-token retry ({@link #takeNumberAbove(int)}) there is no such end: a request takes the lowest free number
 * above the highest one the family has recorded, so requests racing get different numbers, and the rule keeps only the
 * newest numbers alive ({@link BoundSiblings}).
 */
final class SiblingAllowance {

    /**
     * How many numbers above the recorded one a bound retry tries: more retries of one token decided at the same instant
     * than this are a fault (503), not a reason to stop numbering.
     */
    static final int BOUND_NUMBERS_AT_ONCE = 100;

    private final SingleUseObjectProvider store;
    private final String family;
    private final int generation;
    private final int max;
    private final long lifespanSeconds;

    /**
     * @param generation      the generation the siblings are of (the family's newest)
     * @param max             how many slots {@link #take()} may take, or how many numbers {@link #takeNumberAbove} tries
     * @param lifespanSeconds at least as long as siblings of this generation can be issued: the grace window, or the
     *                        rotation's claim while its commit is pending; for bound numbers, until the number is recorded
     */
    SiblingAllowance(SingleUseObjectProvider store, String family, int generation, int max, long lifespanSeconds) {
        this.store = store;
        this.family = family;
        this.generation = generation;
        this.max = max;
        this.lifespanSeconds = lifespanSeconds;
    }

    /** @return the sibling's number, from 1 to the bound, or 0 when the bound is reached */
    int take() {
        String prefix = windowPrefix();
        for (int slot = 1; slot <= max; slot++) {
            if (store.putIfAbsent(prefix + slot, lifespanSeconds)) {
                return slot;
            }
        }
        return 0;
    }

    /**
     * @param recorded the highest bound-sibling number the family has recorded for this generation
     * @return a number above it no other request has taken, or 0 when {@code max} of them are taken at once
     */
    int takeNumberAbove(int recorded) {
        String prefix = "rtr:bound-sibling:" + family + ":" + generation + ":";
        for (int number = recorded + 1; number <= recorded + max; number++) {
            if (store.putIfAbsent(prefix + number, lifespanSeconds)) {
                return number;
            }
        }
        return 0;
    }

    /**
     * Whether every window sibling has been issued, so that the next {@link #take()} returns 0; reads only (introspection).
     * Bound retries are never used up.
     */
    boolean usedUp() {
        String prefix = windowPrefix();
        for (int slot = 1; slot <= max; slot++) {
            if (!store.contains(prefix + slot)) {
                return false;
            }
        }
        return true;
    }

    private String windowPrefix() {
        return "rtr:sibling:" + family + ":" + generation + ":";
    }
}
