package dev.silentrefresh.rotation;

import java.util.Objects;

/**
 * What the rotation rule needs to know about a refresh token Keycloak has already verified.
 *
 * @param family     its family ({@code rtr_fam}), or {@code null} for a token the executor never stamped
 * @param generation its generation ({@code rtr_gen}) within the family, 0 when unstamped
 * @param tokenId    its {@code jti}
 * @param boundToKey whether it is bound to a DPoP key ({@code cnf.jkt}) and this request carried Keycloak's verified proof
 *                   by that very key
 * @param sibling    its number among the bound-retry siblings of its generation ({@code rtr_sib}), 0 for any other token
 */
record PresentedToken(String family, int generation, String tokenId, boolean boundToKey, int sibling) {

    PresentedToken {
        if (generation < 0) {
            throw new IllegalArgumentException("generation must not be negative");
        }
        if (sibling < 0) {
            throw new IllegalArgumentException("sibling must not be negative");
        }
        Objects.requireNonNull(tokenId, "tokenId cannot be null");
    }

    /** A token presented without a key binding, no bound-retry sibling. */
    PresentedToken(String family, int generation, String tokenId) {
        this(family, generation, tokenId, false, 0);
    }

    boolean isStamped() {
        return family != null;
    }

    /** The same token, presented with (or without) a proof by the key it is bound to. */
    PresentedToken boundToKey(boolean bound) {
        return new PresentedToken(family, generation, tokenId, bound, sibling);
    }
}
