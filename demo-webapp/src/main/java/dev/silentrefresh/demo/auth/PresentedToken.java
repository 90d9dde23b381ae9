package dev.silentrefresh.demo.auth;

import java.util.Objects;

/**
 * An access token as a request presents it.
 *
 * @param token  the access token
 * @param scheme how it was sent
 * @param proof  the {@code DPoP} proof header (compact JWS) when {@code scheme} is {@link TokenScheme#DPOP}, else {@code null}
 */
public record PresentedToken(String token, TokenScheme scheme, String proof) {

    public PresentedToken {
        Objects.requireNonNull(token, "token cannot be null");
        Objects.requireNonNull(scheme, "scheme cannot be null");
        if ((scheme == TokenScheme.DPOP) != (proof != null)) {
            throw new IllegalArgumentException("a DPoP token comes with a proof, a bearer token without one");
        }
    }

    public static PresentedToken bearer(String token) {
        return new PresentedToken(token, TokenScheme.BEARER, null);
    }

    public static PresentedToken dpop(String token, String proof) {
        return new PresentedToken(token, TokenScheme.DPOP, proof);
    }
}
