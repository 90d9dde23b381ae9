package dev.silentrefresh.demo.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who a verified access token speaks for; the filter stores it as a request attribute for the API servlet.
 *
 * @param subject   {@code sub}
 * @param username  {@code preferred_username}, or {@code null}
 * @param email     {@code email}, or {@code null}
 * @param name      {@code name}, or {@code null}
 * @param roles     the client roles of the API audience ({@code resource_access.<audience>.roles})
 * @param expiresAt {@code exp}
 * @param dpopKeyThumbprint the token's {@code cnf.jkt} (RFC 9449 §6.1): the JWK SHA-256 thumbprint of the key the token is
 *                          bound to, or {@code null} for a plain bearer token
 */
public record AuthenticatedUser(String subject, String username, String email, String name, Set<String> roles, Instant expiresAt,
                                String dpopKeyThumbprint) {

    /** The request attribute that holds the {@code AuthenticatedUser} of a request that passed the filter. */
    public static final String REQUEST_ATTRIBUTE = AuthenticatedUser.class.getName();

    public AuthenticatedUser {
        Objects.requireNonNull(subject, "subject cannot be null");
        roles = Set.copyOf(Objects.requireNonNull(roles, "roles cannot be null"));
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
    }

    /** A user of a plain bearer token, bound to no key. */
    public AuthenticatedUser(String subject, String username, String email, String name, Set<String> roles, Instant expiresAt) {
        this(subject, username, email, name, roles, expiresAt, null);
    }

    /** True if the token may only be used with a DPoP proof of its key. */
    public boolean isDpopBound() {
        return this.dpopKeyThumbprint != null;
    }

    /** The user the filter authenticated for this request, or {@code null} when the request did not pass the filter. */
    public static AuthenticatedUser of(HttpServletRequest request) {
        return request.getAttribute(REQUEST_ATTRIBUTE) instanceof AuthenticatedUser user ? user : null;
    }

    public boolean hasRole(String role) {
        return this.roles.contains(role);
    }
}
