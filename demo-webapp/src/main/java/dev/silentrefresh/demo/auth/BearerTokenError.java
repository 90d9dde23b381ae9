package dev.silentrefresh.demo.auth;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One of the error codes of RFC 6750 §3.1, with the HTTP status it is sent with and a short, fixed description.
 *
 * <p>Descriptions and scopes are written into {@code WWW-Authenticate} as quoted strings; they are checked here against
 * the characters RFC 6750 allows, so no request data can smuggle quotes or line breaks into a header.
 *
 * @param code        {@code invalid_request}, {@code invalid_token}, {@code insufficient_scope}, or RFC 9449's
 *                    {@code invalid_dpop_proof}
 * @param httpStatus  400, 401 or 403
 * @param description the {@code error_description}
 * @param scope       the scope the request lacks (only for {@code insufficient_scope}), or {@code null}
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-3.1">RFC 6750 §3.1: Error Codes</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9449#section-7.1">RFC 9449 §7.1: DPoP Protected Resource Request</a>
 */
public record BearerTokenError(String code, int httpStatus, String description, String scope) {

    public static final String INVALID_REQUEST = "invalid_request";
    public static final String INVALID_TOKEN = "invalid_token";
    public static final String INSUFFICIENT_SCOPE = "insufficient_scope";
    public static final String INVALID_DPOP_PROOF = "invalid_dpop_proof";

    // RFC 6750 §3: error_description = *( %x20-21 / %x23-5B / %x5D-7E ), scope tokens = 1*( %x21 / %x23-5B / %x5D-7E )
    private static final Pattern DESCRIPTION = Pattern.compile("[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x5B\\x5D-\\x7E]+)*");

    public BearerTokenError {
        Objects.requireNonNull(code, "code cannot be null");
        Objects.requireNonNull(description, "description cannot be null");
        if (!DESCRIPTION.matcher(description).matches()) {
            throw new IllegalArgumentException("description must use only the characters RFC 6750 allows");
        }
        if (scope != null && !SCOPE.matcher(scope).matches()) {
            throw new IllegalArgumentException("scope must be space-separated scope tokens");
        }
    }

    /** The request is malformed: 400. */
    public static BearerTokenError invalidRequest(String description) {
        return new BearerTokenError(INVALID_REQUEST, 400, description, null);
    }

    /** The token is expired, forged, or otherwise not acceptable: 401; the client may get a new one and retry. */
    public static BearerTokenError invalidToken(String description) {
        return new BearerTokenError(INVALID_TOKEN, 401, description, null);
    }

    /** The {@code DPoP} proof is missing, malformed, stale, replayed or for another request: 401; a new proof may do. */
    public static BearerTokenError invalidDpopProof(String description) {
        return new BearerTokenError(INVALID_DPOP_PROOF, 401, description, null);
    }

    /** The token is fine but does not grant what the resource needs: 403; a new token will not help. */
    public static BearerTokenError insufficientScope(String description, String scope) {
        return new BearerTokenError(INSUFFICIENT_SCOPE, 403, description, Objects.requireNonNull(scope, "scope cannot be null"));
    }
}
