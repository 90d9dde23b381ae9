package dev.silentrefresh.rotation;

import java.time.Duration;
import java.util.Objects;

/**
 * The rotation state of one refresh-token family, kept in one client-session note.
 *
 * @param generation       generation of the newest refresh token of the family (0 at login, +1 per rotation)
 * @param rotatedAtMillis  server time at which that generation was first issued; the grace window starts here
 * @param expiresAtSeconds expiry ({@code exp}) of the newest token, 0 when it never expires
 * @param consumedTokenId  {@code jti} of the token the last rotation consumed: the only token that may come back inside
 *                         the grace window; {@code null} before the first rotation (or for a state from version 1)
 * @param graceSeconds     the grace window in force when the family last moved, enforced even if the executor no longer
 *                         runs for the client (a family started under the policy stays single-use: fail closed)
 * @param revocationScope  what a reuse in this family revokes, recorded for the same reason
 * @param revoked          set once the family is revoked (scope {@code family}); never cleared
 */
record FamilyState(int generation, long rotatedAtMillis, long expiresAtSeconds, String consumedTokenId, int graceSeconds,
                   RevocationScope revocationScope, boolean revoked) {

    private static final String VERSION_2 = "2";
    private static final String SEPARATOR = ";";

    FamilyState {
        if (generation < 0) {
            throw new IllegalArgumentException("generation must not be negative");
        }
        if (graceSeconds < 0) {
            throw new IllegalArgumentException("graceSeconds must not be negative");
        }
        Objects.requireNonNull(revocationScope, "revocationScope cannot be null");
    }

    /** The state of a family that has just issued {@code generation}, consuming {@code consumedTokenId}. */
    static FamilyState issued(int generation, long nowMillis, long expiresAtSeconds, String consumedTokenId,
                              RotationSettings settings) {
        return new FamilyState(generation, nowMillis, expiresAtSeconds, consumedTokenId,
                (int) settings.gracePeriod().toSeconds(), settings.revocationScope(), false);
    }

    FamilyState revoke() {
        return new FamilyState(generation, rotatedAtMillis, expiresAtSeconds, consumedTokenId, graceSeconds, revocationScope, true);
    }

    boolean isExpired(long nowMillis) {
        return expiresAtSeconds > 0 && expiresAtSeconds * 1000 < nowMillis;
    }

    /**
     * The settings the family was last rotated with, for a refresh the executor did not see (its client left the policy, or
     * the policy no longer covers this kind of token): the window and the scope as recorded, the default sibling bound.
     */
    RotationSettings recordedSettings() {
        return new RotationSettings(Duration.ofSeconds(graceSeconds), revocationScope, true, RotationSettings.DEFAULTS.maxGraceSiblings());
    }

    /**
     * One compact note value, about 90 bytes: {@code 2;generation;rotatedAt;exp;grace;scope;revoked;consumedTokenId}. The
     * token id comes last because its format is Keycloak's, not ours.
     */
    String toNoteValue() {
        return String.join(SEPARATOR, VERSION_2, Integer.toString(generation), Long.toString(rotatedAtMillis),
                Long.toString(expiresAtSeconds), Integer.toString(graceSeconds), String.valueOf(revocationScope.noteCode()),
                revoked ? "r" : "-", consumedTokenId == null ? "" : consumedTokenId);
    }

    /**
     * Reads a note written by {@link #toNoteValue()}, or by version 1 of the extension
     * ({@code generation:rotatedAtMillis:expiresAtSeconds}, which did not record the consumed token).
     *
     * @return the state, or {@code null} when the value is absent or not in either form
     */
    static FamilyState fromNoteValue(String value) {
        if (value == null) {
            return null;
        }
        try {
            return value.startsWith(VERSION_2 + SEPARATOR) ? fromVersion2(value) : fromVersion1(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static FamilyState fromVersion2(String value) {
        String[] parts = value.split(SEPARATOR, 8);
        if (parts.length != 8 || parts[5].length() != 1 || !(parts[6].equals("r") || parts[6].equals("-"))) {
            return null;
        }
        RevocationScope scope = RevocationScope.fromNoteCode(parts[5].charAt(0)).orElse(null);
        if (scope == null) {
            return null;
        }
        return new FamilyState(Integer.parseInt(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3]),
                parts[7].isEmpty() ? null : parts[7], Integer.parseInt(parts[4]), scope, parts[6].equals("r"));
    }

    private static FamilyState fromVersion1(String value) {
        String[] parts = value.split(":", -1);
        if (parts.length != 3) {
            return null;
        }
        // version 1 recorded no settings; its families keep what version 2 first gave them: no window, the default scope
        return new FamilyState(Integer.parseInt(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]), null,
                0, RevocationScope.CLIENT_SESSION, false);
    }
}
