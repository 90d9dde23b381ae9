package dev.silentrefresh.demo.auth;

import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Finds the access token of a request in its {@code Authorization} header, the only place this API accepts one: with the
 * {@code Bearer} scheme (RFC 6750), or with the {@code DPoP} scheme and exactly one {@code DPoP} proof header (RFC 9449).
 *
 * <p>Tokens in the query string ({@code access_token}) are refused: the spec recommends against them because URLs end up
 * in logs, browser history and {@code Referer} headers. A request that offers more than one token, a header that is not
 * well formed, or a {@code DPoP} proof next to a {@code Bearer} token is {@code invalid_request}; a {@code DPoP} token
 * without exactly one well-formed proof is {@code invalid_dpop_proof}. A header with another scheme (such as
 * {@code Basic}) simply carries no token.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-2.1">RFC 6750 §2.1: Authorization Request Header Field</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-2.3">RFC 6750 §2.3: URI Query Parameter</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9449#section-7.1">RFC 9449 §7.1: DPoP Protected Resource Request</a>
 */
public final class BearerTokenResolver {

    /** Far above a Keycloak access token (1-3 KB) and small enough that a hostile header costs nothing to refuse. */
    public static final int MAX_TOKEN_LENGTH = 8 * 1024;
    /** Far above a proof with an RSA-4096 key in its header (about 1.5 KB). */
    public static final int MAX_PROOF_LENGTH = 8 * 1024;
    public static final String DPOP_HEADER = "DPoP";

    // a JWS in compact serialization: three base64url parts
    private static final Pattern COMPACT_JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    // matched on the raw query: a client that sends access_token at all gets told, whatever else the query holds
    private static final Pattern ACCESS_TOKEN_PARAMETER = Pattern.compile("(^|&)access_token(=|&|$)");

    /**
     * @return the token and how it was presented, or {@code null} when the request carries no token
     * @throws BearerTokenException {@code invalid_request} when the request is malformed or offers more than one token,
     *                              {@code invalid_dpop_proof} when a DPoP token lacks a single well-formed proof
     */
    public PresentedToken resolve(HttpServletRequest request) throws BearerTokenException {
        String query = request.getQueryString();
        if (query != null && ACCESS_TOKEN_PARAMETER.matcher(query).find()) {
            throw new BearerTokenException(BearerTokenError.invalidRequest("Send the access token in the Authorization header only"));
        }
        List<String> authorizations = Collections.list(request.getHeaders("Authorization"));
        if (authorizations.size() > 1) {
            throw new BearerTokenException(BearerTokenError.invalidRequest("Found multiple Authorization headers in the request"));
        }
        TokenScheme scheme = authorizations.isEmpty() ? null : schemeOf(authorizations.get(0));
        if (scheme == null) {
            return null;
        }
        List<String> proofs = Collections.list(request.getHeaders(DPOP_HEADER));
        String token = tokenOf(authorizations.get(0), scheme);
        if (scheme == TokenScheme.BEARER) {
            if (!proofs.isEmpty()) {
                // RFC 9449 §7.2: a proof says the client holds a key; a bearer token next to it is a confused or downgraded request
                throw new BearerTokenException(BearerTokenError.invalidRequest("A DPoP proof was sent with a Bearer token"));
            }
            return PresentedToken.bearer(token);
        }
        return PresentedToken.dpop(token, proofOf(proofs));
    }

    // The header is parsed with plain loops, not regular expressions: it is ~1 KB on every request, and a
    // case-insensitive regex over it was most of the filter's own cost under load (docs/benchmarks.md, the filter).

    /**
     * The scheme the header names (case-insensitive, RFC 9110 §11.1), followed by whitespace or nothing; {@code null} for
     * any other scheme, such as {@code Basic}, which carries no token for this API. (No non-ASCII character case-folds
     * to a letter of "Bearer" or "DPoP", so {@code regionMatches} accepts exactly the ASCII spellings.)
     */
    private static TokenScheme schemeOf(String authorization) {
        for (TokenScheme scheme : TokenScheme.values()) {
            String name = scheme.challengeName();
            if (authorization.regionMatches(true, 0, name, 0, name.length())
                    && (authorization.length() == name.length() || isWhitespace(authorization.charAt(name.length())))) {
                return scheme;
            }
        }
        return null;
    }

    /** {@code <scheme> SP b64token}: exactly one space, then 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
    private static String tokenOf(String authorization, TokenScheme scheme) throws BearerTokenException {
        // checked first so an enormous header is refused in constant time
        if (authorization.length() > scheme.challengeName().length() + 1 + MAX_TOKEN_LENGTH) {
            throw malformed(scheme, "too long");
        }
        int start = scheme.challengeName().length() + 1;
        if (authorization.length() <= start || authorization.charAt(start - 1) != ' ') {
            throw malformed(scheme, "malformed");
        }
        int end = start;
        while (end < authorization.length() && isB64TokenCharacter(authorization.charAt(end))) {
            end++;
        }
        boolean hasToken = end > start;
        while (end < authorization.length() && authorization.charAt(end) == '=') {
            end++;
        }
        if (!hasToken || end != authorization.length()) {
            throw malformed(scheme, "malformed");
        }
        return authorization.substring(start);
    }

    private static BearerTokenException malformed(TokenScheme scheme, String what) {
        return new BearerTokenException(BearerTokenError.invalidRequest(
                (scheme == TokenScheme.BEARER ? "The bearer token is " : "The DPoP access token is ") + what), scheme);
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static boolean isB64TokenCharacter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }

    // RFC 9449 §4.3, checks 1 and 2: exactly one DPoP header, and it holds a single well-formed JWT
    private static String proofOf(List<String> proofs) throws BearerTokenException {
        if (proofs.size() != 1) {
            throw new BearerTokenException(BearerTokenError.invalidDpopProof(proofs.isEmpty()
                    ? "A DPoP access token needs a DPoP proof" : "Found multiple DPoP proofs in the request"), TokenScheme.DPOP);
        }
        String proof = proofs.get(0);
        if (proof.length() > MAX_PROOF_LENGTH || !COMPACT_JWS.matcher(proof).matches()) {
            throw new BearerTokenException(BearerTokenError.invalidDpopProof("The DPoP proof is malformed"), TokenScheme.DPOP);
        }
        return proof;
    }
}
