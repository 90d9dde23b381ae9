package dev.silentrefresh.demo.auth;

import java.io.IOException;
import java.util.Objects;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a request through to the API only with a valid bearer token, and answers every other request itself.
 *
 * <p>Four outcomes: a malformed request is answered by the {@link BearerTokenErrorWriter} ({@code invalid_request}); a
 * request without a token gets the bare challenge; a token the {@link AccessTokenVerifier} refuses gets
 * {@code invalid_token}, or 503 when the keys to check it are unavailable; a valid token puts its
 * {@link AuthenticatedUser} into the request attribute {@link AuthenticatedUser#REQUEST_ATTRIBUTE} and the chain continues,
 * exactly once. Paths in {@code publicPaths} pass untouched, whatever {@code Authorization} header they carry.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750">RFC 6750: Bearer Token Usage</a>
 */
public final class BearerTokenFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BearerTokenFilter.class);

    private final transient BearerTokenResolver resolver;
    private final transient AccessTokenVerifier verifier;
    private final transient BearerTokenErrorWriter errorWriter;
    private final Set<String> publicPaths;

    /**
     * @param resolver    finds the token in the request
     * @param verifier    checks it
     * @param errorWriter answers refused requests
     * @param publicPaths paths within the context (such as {@code /api/public}) that need no token
     */
    public BearerTokenFilter(BearerTokenResolver resolver, AccessTokenVerifier verifier, BearerTokenErrorWriter errorWriter,
                             Set<String> publicPaths) {
        this.resolver = Objects.requireNonNull(resolver, "resolver cannot be null");
        this.verifier = Objects.requireNonNull(verifier, "verifier cannot be null");
        this.errorWriter = Objects.requireNonNull(errorWriter, "errorWriter cannot be null");
        this.publicPaths = Set.copyOf(Objects.requireNonNull(publicPaths, "publicPaths cannot be null"));
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (this.publicPaths.contains(pathOf(request))) {
            LOG.trace("did not check for a bearer token since the path is public");
            chain.doFilter(request, response);
            return;
        }
        AuthenticatedUser user;
        try {
            String token = this.resolver.resolve(request);
            if (token == null) {
                LOG.trace("sending the bearer challenge since the request has no bearer token");
                this.errorWriter.writeMissingToken(response);
                return;
            }
            user = this.verifier.verify(token);
        } catch (BearerTokenException ex) {
            LOG.debug("refused the request with {}: {}", ex.error().code(), ex.error().description());
            this.errorWriter.writeError(response, ex.error());
            return;
        } catch (KeySourceUnavailableException ex) {
            // one line per refused request; the cause names the failure (connection refused, timeout, bad JSON, rate limit)
            LOG.warn("answering 503 since {}: {}", ex.getMessage(), String.valueOf(ex.getCause()));
            this.errorWriter.writeUnavailable(response);
            return;
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("authenticated subject {}", user.subject());
        }
        request.setAttribute(AuthenticatedUser.REQUEST_ATTRIBUTE, user);
        chain.doFilter(request, response);
    }

    // servlet path and path info are decoded and normalised by Jetty, unlike the raw request URI
    private static String pathOf(HttpServletRequest request) {
        String pathInfo = request.getPathInfo();
        return pathInfo == null ? request.getServletPath() : request.getServletPath() + pathInfo;
    }
}
