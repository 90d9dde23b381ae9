package dev.silentrefresh.demo.auth;

import java.util.Objects;

/** A request the API refuses because of its bearer token; carries the RFC 6750 error to answer with. */
public final class BearerTokenException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient BearerTokenError error;

    public BearerTokenException(BearerTokenError error) {
        super(Objects.requireNonNull(error, "error cannot be null").description());
        this.error = error;
    }

    public BearerTokenError error() {
        return this.error;
    }
}
