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
 */
public record AuthenticatedUser(String subject, String username, String email, String name, Set<String> roles, Instant expiresAt) {

    /** The request attribute that holds the {@code AuthenticatedUser} of a request that passed the filter. */
    public static final String REQUEST_ATTRIBUTE = AuthenticatedUser.class.getName();

    public AuthenticatedUser {
        Objects.requireNonNull(subject, "subject cannot be null");
        roles = Set.copyOf(Objects.requireNonNull(roles, "roles cannot be null"));
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
    }

    /** The user the filter authenticated for this request, or {@code null} when the request did not pass the filter. */
    public static AuthenticatedUser of(HttpServletRequest request) {
        return request.getAttribute(REQUEST_ATTRIBUTE) instanceof AuthenticatedUser user ? user : null;
    }

    public boolean hasRole(String role) {
        return this.roles.contains(role);
    }
}
