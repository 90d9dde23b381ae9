package dev.silentrefresh.demo.auth;

import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Finds the bearer token of a request in its {@code Authorization} header, the only place this API accepts one.
 *
 * <p>Tokens in the query string ({@code access_token}) are refused: the spec recommends against them because URLs end up
 * in logs, browser history and {@code Referer} headers. A request that offers more than one token, or a {@code Bearer}
 * header that is not well formed, is {@code invalid_request}. A header with another scheme (such as {@code Basic}) simply
 * carries no bearer token.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-2.1">RFC 6750 §2.1: Authorization Request Header Field</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-2.3">RFC 6750 §2.3: URI Query Parameter</a>
 */
public final class BearerTokenResolver {

    /** Far above a Keycloak access token (1-3 KB) and small enough that a hostile header costs nothing to refuse. */
    public static final int MAX_TOKEN_LENGTH = 8 * 1024;

    // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=", after exactly one space
    private static final Pattern AUTHORIZATION = Pattern.compile("^Bearer (?<token>[a-zA-Z0-9\\-._~+/]+=*)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern BEARER_SCHEME = Pattern.compile("^Bearer(\\s.*)?$", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    // matched on the raw query: a client that sends access_token at all gets told, whatever else the query holds
    private static final Pattern ACCESS_TOKEN_PARAMETER = Pattern.compile("(^|&)access_token(=|&|$)");

    /**
     * @return the token, or {@code null} when the request carries no bearer token
     * @throws BearerTokenException {@code invalid_request} when the request is malformed or offers more than one token
     */
    public String resolve(HttpServletRequest request) throws BearerTokenException {
        String query = request.getQueryString();
        if (query != null && ACCESS_TOKEN_PARAMETER.matcher(query).find()) {
            throw new BearerTokenException(BearerTokenError.invalidRequest("Send the access token in the Authorization header only"));
        }
        List<String> authorizations = Collections.list(request.getHeaders("Authorization"));
        if (authorizations.size() > 1) {
            throw new BearerTokenException(BearerTokenError.invalidRequest("Found multiple Authorization headers in the request"));
        }
        if (authorizations.isEmpty() || !BEARER_SCHEME.matcher(authorizations.get(0)).matches()) {
            return null;
        }
        return tokenOf(authorizations.get(0));
    }

    private static String tokenOf(String authorization) throws BearerTokenException {
        // checked before the regex so an enormous header is refused in constant time
        if (authorization.length() > "Bearer ".length() + MAX_TOKEN_LENGTH) {
            throw new BearerTokenException(BearerTokenError.invalidRequest("The bearer token is too long"));
        }
        Matcher matcher = AUTHORIZATION.matcher(authorization);
        if (!matcher.matches()) {
            throw new BearerTokenException(BearerTokenError.invalidRequest("The bearer token is malformed"));
        }
        return matcher.group("token");
    }
}
