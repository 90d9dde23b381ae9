package dev.silentrefresh.demo.auth;

/**
 * The keys needed to check a token could not be obtained (Keycloak's JWKS endpoint is down, slow, or answers nonsense).
 *
 * <p>This is the server's fault, not the token's: it is answered with 503 rather than {@code invalid_token}, so the
 * browser does not spend its refresh token on a new access token that would fail just the same.
 */
public final class KeySourceUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public KeySourceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
