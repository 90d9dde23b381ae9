package dev.silentrefresh.rotation;

import java.util.Objects;

/**
 * What the rotation rule needs to know about a refresh token Keycloak has already verified.
 *
 * @param family     its family ({@code rtr_fam}), or {@code null} for a token the executor never stamped
 * @param generation its generation ({@code rtr_gen}) within the family, 0 when unstamped
 * @param tokenId    its {@code jti}
 */
record PresentedToken(String family, int generation, String tokenId) {

    PresentedToken {
        if (generation < 0) {
            throw new IllegalArgumentException("generation must not be negative");
        }
        Objects.requireNonNull(tokenId, "tokenId cannot be null");
    }

    boolean isStamped() {
        return family != null;
    }
}
