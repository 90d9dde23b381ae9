package dev.silentrefresh.demo.auth;

/** Checks an access token and tells who it speaks for. */
@FunctionalInterface
public interface AccessTokenVerifier {

    /**
     * @param token the bearer token exactly as the client sent it
     * @return the user the token was issued to
     * @throws BearerTokenException          the token is not acceptable ({@code invalid_token})
     * @throws KeySourceUnavailableException the keys to check it could not be obtained (a server-side fault)
     */
    AuthenticatedUser verify(String token) throws BearerTokenException, KeySourceUnavailableException;
}
