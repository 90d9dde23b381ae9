package dev.silentrefresh.demo.auth;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import dev.silentrefresh.demo.http.JsonResponses;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Writes the API's authentication failures: the status, the {@code WWW-Authenticate} challenge of RFC 6750 §3, and a
 * small JSON body with the same error for clients that do not parse headers.
 *
 * <ul>
 *     <li>no token: 401, {@code Bearer realm="..."} without an error code, as §3.1 asks;</li>
 *     <li>{@code invalid_request} 400, {@code invalid_token} 401, {@code insufficient_scope} 403 (with {@code scope});</li>
 *     <li>signing keys unavailable: 503 with {@code Retry-After} and no challenge, because no other token would do better.</li>
 * </ul>
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-3">RFC 6750 §3: The WWW-Authenticate Response Header Field</a>
 */
public final class BearerTokenErrorWriter {

    static final String MISSING_TOKEN_DESCRIPTION = "An access token is required";
    static final String UNAVAILABLE_ERROR = "temporarily_unavailable";
    static final String UNAVAILABLE_DESCRIPTION = "The token signing keys are unavailable; try again later";
    static final int RETRY_AFTER_SECONDS = 5;

    private static final Pattern QUOTABLE = Pattern.compile("[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    private final String realm;

    /** @param realm the {@code realm} of every challenge: the API's audience; printable ASCII without quotes or backslashes */
    public BearerTokenErrorWriter(String realm) {
        Objects.requireNonNull(realm, "realm cannot be null");
        if (!QUOTABLE.matcher(realm).matches()) {
            throw new IllegalArgumentException("realm must be printable ASCII without quotes or backslashes");
        }
        this.realm = realm;
    }

    /** The request carries no bearer token at all. */
    public void writeMissingToken(HttpServletResponse response) throws IOException {
        response.setHeader("WWW-Authenticate", "Bearer realm=\"" + this.realm + "\"");
        JsonResponses.write(response, HttpServletResponse.SC_UNAUTHORIZED, Map.of("error_description", MISSING_TOKEN_DESCRIPTION));
    }

    /** The request or its token was refused for the given reason. */
    public void writeError(HttpServletResponse response, BearerTokenError error) throws IOException {
        Objects.requireNonNull(error, "error cannot be null");
        StringBuilder challenge = new StringBuilder("Bearer realm=\"").append(this.realm)
                .append("\", error=\"").append(error.code())
                .append("\", error_description=\"").append(error.description()).append('"');
        if (error.scope() != null) {
            challenge.append(", scope=\"").append(error.scope()).append('"');
        }
        response.setHeader("WWW-Authenticate", challenge.toString());
        JsonResponses.writeError(response, error.httpStatus(), error.code(), error.description());
    }

    /** The token could not be checked because the signing keys could not be obtained: a server-side fault. */
    public void writeUnavailable(HttpServletResponse response) throws IOException {
        response.setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
        JsonResponses.writeError(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, UNAVAILABLE_ERROR, UNAVAILABLE_DESCRIPTION);
    }
}
