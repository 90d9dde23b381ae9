package dev.silentrefresh.rotation;

import org.keycloak.models.SingleUseObjectProvider;

/**
 * Counts the siblings a consumed token receives, cluster-wide, against {@code max-grace-siblings}: slot {@code n} of a
 * (family, generation issued) is a key in Keycloak's single-use store, taken with {@code putIfAbsent}, which the store
 * applies at once and atomically across nodes. A request takes the lowest free slot; when all are taken, the token has
 * come back more often than any honest client retries, and the request is reuse.
 *
 * <p>A slot stays taken even if the request that took it is rolled back: one sibling fewer for a client whose request
 * failed, never one more for a thief.
 */
final class SiblingAllowance {

    private final SingleUseObjectProvider store;
    private final String keyPrefix;
    private final int max;
    private final long lifespanSeconds;

    /**
     * @param generation      the generation the siblings are of (the family's newest)
     * @param lifespanSeconds at least as long as siblings of this generation can be issued: the grace window, or the
     *                        rotation's claim while its commit is pending
     */
    SiblingAllowance(SingleUseObjectProvider store, String family, int generation, int max, long lifespanSeconds) {
        this.store = store;
        this.keyPrefix = "rtr:sibling:" + family + ":" + generation + ":";
        this.max = max;
        this.lifespanSeconds = lifespanSeconds;
    }

    /** @return the sibling's number, from 1 to the bound, or 0 when the bound is reached */
    int take() {
        for (int slot = 1; slot <= max; slot++) {
            if (store.putIfAbsent(keyPrefix + slot, lifespanSeconds)) {
                return slot;
            }
        }
        return 0;
    }

    /** Whether every sibling has been issued, so that the next {@link #take()} returns 0; reads only (introspection). */
    boolean usedUp() {
        for (int slot = 1; slot <= max; slot++) {
            if (!store.contains(keyPrefix + slot)) {
                return false;
            }
        }
        return true;
    }
}
