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
 * <p>The Content Security Policy allows scripts, workers and styles from this origin only (the page has no inline script or
 * style), and network calls and form posts to this origin and Keycloak's: a script injected into the page could not send
 * a stolen token anywhere else. The page may frame only Keycloak (the silent {@code prompt=none} login runs in a hidden
 * iframe) and itself (that login's callback page). No page may be framed by another site, which rules out clickjacking;
 * only the silent-callback page may be framed, by this origin.
 *
 * @see <a href="https://www.w3.org/TR/CSP3/">Content Security Policy Level 3</a>
 */
final class SecurityHeadersFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    /** The redirect URI of silent logins, framed by the app's own page. */
    static final String SILENT_CALLBACK_PATH = "/silent-callback.html";

    private final String contentSecurityPolicy;
    private final String silentCallbackPolicy;

    /** @param keycloakOrigin {@code scheme://host[:port]} of Keycloak as the browser reaches it */
    SecurityHeadersFilter(String keycloakOrigin) {
        Objects.requireNonNull(keycloakOrigin, "keycloakOrigin cannot be null");
        this.contentSecurityPolicy = policy(keycloakOrigin, "'none'");
        this.silentCallbackPolicy = policy(keycloakOrigin, "'self'");
    }

    private static String policy(String keycloakOrigin, String frameAncestors) {
        return String.join("; ",
                "default-src 'self'",
                "script-src 'self'",
                "worker-src 'self'",
                "style-src 'self'",
                "img-src 'self' data:",
                "connect-src 'self' " + keycloakOrigin,
                "frame-src 'self' " + keycloakOrigin,
                "frame-ancestors " + frameAncestors,
                "base-uri 'none'",
                "form-action 'self' " + keycloakOrigin,
                "object-src 'none'");
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        boolean silentCallback = SILENT_CALLBACK_PATH.equals(request.getRequestURI());
        response.setHeader("Content-Security-Policy", silentCallback ? this.silentCallbackPolicy : this.contentSecurityPolicy);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Frame-Options", silentCallback ? "SAMEORIGIN" : "DENY");
        chain.doFilter(request, response);
    }
}
