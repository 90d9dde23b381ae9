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
 * <p>Trusted Types are required for every script sink: a string can no longer become script, a script URL or HTML. The app's
 * only sink is the token owner's worker, whose URL the browser client's one policy ({@value #TRUSTED_TYPES_POLICY}) vouches
 * for, on the app's pages and on the silent-callback page (which hands a silent login's code to the owner's SharedWorker
 * rather than to the page that framed it). {@code Cross-Origin-Opener-Policy: same-origin} keeps
 * pages of other origins out of the app's browsing context group (the login is a top-level redirect, the silent login an
 * iframe: neither needs an opener). The {@code Permissions-Policy} denies every powerful feature the app does not use, to
 * the app and to anything it frames. Pages (HTML) are never stored: their URL may carry a login's code and state.
 *
 * @see <a href="https://www.w3.org/TR/CSP3/">Content Security Policy Level 3</a>
 * @see <a href="https://w3c.github.io/trusted-types/dist/spec/">Trusted Types</a>
 */
final class SecurityHeadersFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    /** The redirect URI of silent logins, framed by the app's own page. */
    static final String SILENT_CALLBACK_PATH = "/silent-callback.html";
    /** The browser client's Trusted Types policy (worker-url.js: same-origin worker URLs only), the only one pages may create. */
    static final String TRUSTED_TYPES_POLICY = "silent-refresh";
    /** Powerful features the app does not use, denied to it and to every frame. */
    static final String PERMISSIONS_POLICY = String.join(", ", "accelerometer=()", "ambient-light-sensor=()", "autoplay=()",
            "bluetooth=()", "browsing-topics=()", "camera=()", "display-capture=()", "encrypted-media=()", "fullscreen=()",
            "geolocation=()", "gyroscope=()", "hid=()", "idle-detection=()", "magnetometer=()", "microphone=()", "midi=()",
            "payment=()", "picture-in-picture=()", "publickey-credentials-get=()", "screen-wake-lock=()", "serial=()", "usb=()",
            "xr-spatial-tracking=()");

    private final String contentSecurityPolicy;
    private final String silentCallbackPolicy;

    /** @param keycloakOrigin {@code scheme://host[:port]} of Keycloak as the browser reaches it */
    SecurityHeadersFilter(String keycloakOrigin) {
        Objects.requireNonNull(keycloakOrigin, "keycloakOrigin cannot be null");
        this.contentSecurityPolicy = policy(keycloakOrigin, "'none'", TRUSTED_TYPES_POLICY);
        this.silentCallbackPolicy = policy(keycloakOrigin, "'self'", TRUSTED_TYPES_POLICY);
    }

    private static String policy(String keycloakOrigin, String frameAncestors, String trustedTypes) {
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
                // no form of the app goes to Keycloak (the login is a navigation, the logout the token owner's own request)
                "form-action 'self'",
                "object-src 'none'",
                "require-trusted-types-for 'script'",
                "trusted-types " + trustedTypes);
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        boolean silentCallback = SILENT_CALLBACK_PATH.equals(request.getRequestURI());
        response.setHeader("Content-Security-Policy", silentCallback ? this.silentCallbackPolicy : this.contentSecurityPolicy);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Frame-Options", silentCallback ? "SAMEORIGIN" : "DENY");
        response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        response.setHeader("Permissions-Policy", PERMISSIONS_POLICY);
        if (isPage(request.getRequestURI())) {
            response.setHeader("Cache-Control", "no-store");
        }
        chain.doFilter(request, response);
    }

    /** The app's HTML: the welcome page and every {@code .html} file. */
    private static boolean isPage(String path) {
        return "/".equals(path) || path.endsWith(".html");
    }
}
