package dev.silentrefresh.demo.auth;

import java.util.Objects;

/**
 * A request the API refuses because of its access token; carries the error to answer with and the scheme whose challenge
 * answers it (RFC 6750 §3 for {@code Bearer}, RFC 9449 §7.1 for {@code DPoP}).
 */
public final class BearerTokenException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient BearerTokenError error;
    private final TokenScheme scheme;

    /** Refused with a {@code Bearer} challenge. */
    public BearerTokenException(BearerTokenError error) {
        this(error, TokenScheme.BEARER);
    }

    public BearerTokenException(BearerTokenError error, TokenScheme scheme) {
        super(Objects.requireNonNull(error, "error cannot be null").description());
        this.error = error;
        this.scheme = Objects.requireNonNull(scheme, "scheme cannot be null");
    }

    public BearerTokenError error() {
        return this.error;
    }

    public TokenScheme scheme() {
        return this.scheme;
    }
}
