package dev.silentrefresh.demo.auth;

import java.io.IOException;
import java.net.URI;
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
 * Lets a request through to the API only with a valid access token, and answers every other request itself.
 *
 * <p>Four outcomes: a malformed request is answered by the {@link BearerTokenErrorWriter} ({@code invalid_request}); a
 * request without a token gets the bare challenge; a token the {@link AccessTokenVerifier} refuses gets
 * {@code invalid_token}, or 503 when the keys to check it are unavailable; a valid token puts its
 * {@link AuthenticatedUser} into the request attribute {@link AuthenticatedUser#REQUEST_ATTRIBUTE} and the chain continues,
 * exactly once. Paths in {@code publicPaths} pass untouched, whatever {@code Authorization} header they carry.
 *
 * <p>DPoP (RFC 9449 §7): a token bound to a key ({@code cnf.jkt}) passes only with the {@code DPoP} scheme and a proof the
 * {@link DpopProofVerifier} accepts; sent as a bearer token it is refused, and a token bound to no key is refused with the
 * {@code DPoP} scheme. The proof is checked against the request method and the request URI as the client addressed it,
 * {@code externalBaseUrl} plus the path when the app runs behind a reverse proxy.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750">RFC 6750: Bearer Token Usage</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9449#section-7">RFC 9449 §7: Protected Resource Access</a>
 */
public final class BearerTokenFilter extends HttpFilter {

    static final String BOUND_TOKEN_AS_BEARER = "The access token is bound to a DPoP key; send it with the DPoP scheme and a proof";
    static final String UNBOUND_TOKEN_AS_DPOP = "The access token is not bound to a DPoP key";
    static final String DPOP_UNAVAILABLE = "Too many DPoP proofs to remember; try again later";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BearerTokenFilter.class);

    private final transient BearerTokenResolver resolver;
    private final transient AccessTokenVerifier verifier;
    private final transient DpopProofVerifier dpopVerifier;
    private final transient BearerTokenErrorWriter errorWriter;
    private final Set<String> publicPaths;
    private final URI externalBaseUrl;

    /**
     * @param resolver    finds the token in the request
     * @param verifier    checks it
     * @param errorWriter answers refused requests
     * @param publicPaths paths within the context (such as {@code /api/public}) that need no token
     */
    public BearerTokenFilter(BearerTokenResolver resolver, AccessTokenVerifier verifier, BearerTokenErrorWriter errorWriter,
                             Set<String> publicPaths) {
        this(resolver, verifier, null, errorWriter, publicPaths, null);
    }

    /**
     * @param resolver        finds the token in the request
     * @param verifier        checks it
     * @param dpopVerifier    checks the proofs of DPoP-bound tokens; {@code null} refuses every DPoP-bound token
     * @param errorWriter     answers refused requests
     * @param publicPaths     paths within the context (such as {@code /api/public}) that need no token
     * @param externalBaseUrl {@code scheme://host[:port]} clients address this app by, when that is not what the request
     *                        says (a reverse proxy); {@code null} to take the request's own URL
     */
    public BearerTokenFilter(BearerTokenResolver resolver, AccessTokenVerifier verifier, DpopProofVerifier dpopVerifier,
                             BearerTokenErrorWriter errorWriter, Set<String> publicPaths, URI externalBaseUrl) {
        this.resolver = Objects.requireNonNull(resolver, "resolver cannot be null");
        this.verifier = Objects.requireNonNull(verifier, "verifier cannot be null");
        this.dpopVerifier = dpopVerifier;
        this.errorWriter = Objects.requireNonNull(errorWriter, "errorWriter cannot be null");
        this.publicPaths = Set.copyOf(Objects.requireNonNull(publicPaths, "publicPaths cannot be null"));
        this.externalBaseUrl = externalBaseUrl;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (this.publicPaths.contains(pathOf(request))) {
            LOG.trace("did not check for an access token since the path is public");
            chain.doFilter(request, response);
            return;
        }
        AuthenticatedUser user;
        try {
            PresentedToken presented = this.resolver.resolve(request);
            if (presented == null) {
                LOG.trace("sending the bearer challenge since the request has no access token");
                this.errorWriter.writeMissingToken(response);
                return;
            }
            user = authenticate(request, presented);
        } catch (BearerTokenException ex) {
            LOG.debug("refused the request with {}: {}", ex.error().code(), ex.error().description());
            this.errorWriter.writeError(response, ex.error(), ex.scheme());
            return;
        } catch (KeySourceUnavailableException ex) {
            // one line per refused request; the cause names the failure (connection refused, timeout, bad JSON, rate limit)
            LOG.warn("answering 503 since {}: {}", ex.getMessage(), String.valueOf(ex.getCause()));
            this.errorWriter.writeUnavailable(response);
            return;
        } catch (DpopReplayCache.ReplayCacheFullException ex) {
            LOG.warn("answering 503 since {}", ex.getMessage());
            this.errorWriter.writeUnavailable(response, DPOP_UNAVAILABLE);
            return;
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("authenticated subject {}", user.subject());
        }
        request.setAttribute(AuthenticatedUser.REQUEST_ATTRIBUTE, user);
        chain.doFilter(request, response);
    }

    private AuthenticatedUser authenticate(HttpServletRequest request, PresentedToken presented)
            throws BearerTokenException, KeySourceUnavailableException {
        AuthenticatedUser user = this.verifier.verify(presented.token());
        if (presented.scheme() == TokenScheme.BEARER) {
            if (user.isDpopBound()) {
                // RFC 9449 §7.1: a stolen bound token must not work as a bearer token; a refresh would not help either
                throw new BearerTokenException(BearerTokenError.invalidToken(BOUND_TOKEN_AS_BEARER), TokenScheme.DPOP);
            }
            return user;
        }
        if (!user.isDpopBound() || this.dpopVerifier == null) {
            throw new BearerTokenException(BearerTokenError.invalidToken(UNBOUND_TOKEN_AS_DPOP), TokenScheme.DPOP);
        }
        this.dpopVerifier.verify(request.getMethod(), targetUri(request), presented.proof(), presented.token(),
                user.dpopKeyThumbprint());
        return user;
    }

    // RFC 9449 §4.3 check 9: htu is the target URI without query and fragment, as the client addressed it
    private URI targetUri(HttpServletRequest request) throws BearerTokenException {
        String url = this.externalBaseUrl != null
                ? this.externalBaseUrl + request.getRequestURI()
                : request.getRequestURL().toString();
        try {
            return URI.create(url);
        } catch (IllegalArgumentException ex) {
            throw new BearerTokenException(BearerTokenError.invalidRequest("The request URI is malformed"), TokenScheme.DPOP);
        }
    }

    private static String pathOf(HttpServletRequest request) {
        String pathInfo = request.getPathInfo();
        return pathInfo == null ? request.getServletPath() : request.getServletPath() + pathInfo;
    }
}
