package dev.silentrefresh.rotation;

/**
 * How many bound-retry siblings the consumed token of a DPoP-bound family has received at the family's current generation
 * ({@code bound-token-retry}), kept in a client-session note of its own beside the family's. Siblings are numbered 1, 2,
 * ...; only the newest {@code max-grace-siblings} of them (and the generation's original token while fewer have been
 * issued) stay alive: a newer retry retires the oldest. So a lost-response retry loop never runs out of siblings, and a
 * script holding the key never has more than that many live tokens of the generation.
 *
 * @param generation the generation the siblings are of
 * @param issued     the highest sibling number issued for it
 */
record BoundSiblings(int generation, int issued) {

    /** No bound sibling recorded. */
    static final BoundSiblings NONE = new BoundSiblings(-1, 0);

    private static final String SEPARATOR = ";";

    /**
     * Whether a token of the family's current generation, numbered {@code sibling} (0 for the generation's original), has
     * been retired by {@code maxAlive} newer bound siblings.
     */
    boolean retires(int currentGeneration, int sibling, int maxAlive) {
        return generation == currentGeneration && sibling <= issued - maxAlive;
    }

    /** The number issued so far at {@code currentGeneration}: the next sibling is numbered above it. */
    int issuedAt(int currentGeneration) {
        return generation == currentGeneration ? issued : 0;
    }

    /** This record with sibling {@code number} of {@code currentGeneration} issued (the highest number wins). */
    BoundSiblings with(int currentGeneration, int number) {
        return new BoundSiblings(currentGeneration, Math.max(issuedAt(currentGeneration), number));
    }

    String toNoteValue() {
        return generation + SEPARATOR + issued;
    }

    /** @return the record a note holds, or {@link #NONE} when the note is absent or unreadable */
    static BoundSiblings fromNoteValue(String value) {
        if (value == null) {
            return NONE;
        }
        String[] parts = value.split(SEPARATOR, -1);
        try {
            return parts.length == 2 ? new BoundSiblings(Integer.parseInt(parts[0]), Integer.parseInt(parts[1])) : NONE;
        } catch (NumberFormatException e) {
            return NONE;
        }
    }
}
