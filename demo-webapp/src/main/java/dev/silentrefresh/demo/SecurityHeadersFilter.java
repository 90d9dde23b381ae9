package dev.silentrefresh.demo;

import java.io.IOException;
import java.util.Objects;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Adds the browser-side defences to every response.
 *
 * <p>The Content Security Policy allows scripts and styles from this origin only (the page has no inline script or
 * style), and network calls and form posts to this origin and Keycloak's: a script injected into the page could not send
 * a stolen token anywhere else. The page may not be framed, which also rules out clickjacking.
 *
 * @see <a href="https://www.w3.org/TR/CSP3/">Content Security Policy Level 3</a>
 */
final class SecurityHeadersFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    private final String contentSecurityPolicy;

    /** @param keycloakOrigin {@code scheme://host[:port]} of Keycloak as the browser reaches it */
    SecurityHeadersFilter(String keycloakOrigin) {
        Objects.requireNonNull(keycloakOrigin, "keycloakOrigin cannot be null");
        this.contentSecurityPolicy = String.join("; ",
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                "img-src 'self' data:",
                "connect-src 'self' " + keycloakOrigin,
                "frame-ancestors 'none'",
                "base-uri 'none'",
                "form-action 'self' " + keycloakOrigin,
                "object-src 'none'");
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        response.setHeader("Content-Security-Policy", this.contentSecurityPolicy);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Frame-Options", "DENY");
        chain.doFilter(request, response);
    }
}
