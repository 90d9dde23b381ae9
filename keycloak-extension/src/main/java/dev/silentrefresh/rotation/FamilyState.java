package dev.silentrefresh.rotation;

/**
 * The rotation state of one refresh-token family, kept in a client-session note.
 *
 * @param generation       generation of the newest refresh token of the family (0 at login, +1 per rotation)
 * @param rotatedAtMillis  server time at which that generation was first issued
 * @param expiresAtSeconds expiry ({@code exp}) of the newest token, 0 when it never expires (offline tokens without a
 *                         maximum lifespan); a family whose newest token has expired can be forgotten
 */
record FamilyState(int generation, long rotatedAtMillis, long expiresAtSeconds) {

    FamilyState {
        if (generation < 0) {
            throw new IllegalArgumentException("generation must not be negative");
        }
    }

    /** The state after issuing generation {@code generation} at {@code nowMillis}. */
    static FamilyState issued(int generation, long nowMillis, long expiresAtSeconds) {
        return new FamilyState(generation, nowMillis, expiresAtSeconds);
    }

    boolean isExpired(long nowMillis) {
        return expiresAtSeconds > 0 && expiresAtSeconds * 1000 < nowMillis;
    }

    /** One compact note value: {@code generation:rotatedAtMillis:expiresAtSeconds}. */
    String toNoteValue() {
        return generation + ":" + rotatedAtMillis + ":" + expiresAtSeconds;
    }

    /**
     * Reads a note written by {@link #toNoteValue()}.
     *
     * @return the state, or {@code null} when the value is absent or not in that form
     */
    static FamilyState fromNoteValue(String value) {
        if (value == null) {
            return null;
        }
        String[] parts = value.split(":", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            int generation = Integer.parseInt(parts[0]);
            return generation < 0 ? null
                    : new FamilyState(generation, Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
