package dev.silentrefresh.demo.auth;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.nimbusds.jose.JWSAlgorithm;
import dev.silentrefresh.demo.http.JsonResponses;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Writes the API's authentication failures: the status, the {@code WWW-Authenticate} challenge of RFC 6750 §3 (or of
 * RFC 9449 §7.1 for requests made with the {@code DPoP} scheme), and a small JSON body with the same error for clients that
 * do not parse headers.
 *
 * <ul>
 *     <li>no token: 401, {@code Bearer realm="..."} without an error code, as §3.1 asks, and, when DPoP is accepted, a second
 *     challenge {@code DPoP realm="...", algs="..."} naming the proof algorithms;</li>
 *     <li>{@code invalid_request} 400, {@code invalid_token} 401, {@code invalid_dpop_proof} 401, {@code insufficient_scope}
 *     403 (with {@code scope}), each in the challenge of the scheme the request used;</li>
 *     <li>signing keys unavailable: 503 with {@code Retry-After} and no challenge, because no other token would do better.</li>
 * </ul>
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-3">RFC 6750 §3: The WWW-Authenticate Response Header Field</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9449#section-7.1">RFC 9449 §7.1: DPoP Protected Resource Request</a>
 */
public final class BearerTokenErrorWriter {

    static final String MISSING_TOKEN_DESCRIPTION = "An access token is required";
    static final String UNAVAILABLE_ERROR = "temporarily_unavailable";
    static final String UNAVAILABLE_DESCRIPTION = "The token signing keys are unavailable; try again later";
    static final int RETRY_AFTER_SECONDS = 5;

    private static final Pattern QUOTABLE = Pattern.compile("[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    private final String realm;
    private final String dpopAlgorithms;

    /** @param realm the {@code realm} of every challenge: the API's audience; printable ASCII without quotes or backslashes */
    public BearerTokenErrorWriter(String realm) {
        this(realm, List.of());
    }

    /**
     * @param realm          the {@code realm} of every challenge: the API's audience; printable ASCII without quotes or backslashes
     * @param dpopAlgorithms the DPoP proof algorithms the API accepts; empty when it accepts bearer tokens only
     */
    public BearerTokenErrorWriter(String realm, Collection<JWSAlgorithm> dpopAlgorithms) {
        Objects.requireNonNull(realm, "realm cannot be null");
        if (!QUOTABLE.matcher(realm).matches()) {
            throw new IllegalArgumentException("realm must be printable ASCII without quotes or backslashes");
        }
        this.realm = realm;
        this.dpopAlgorithms = Objects.requireNonNull(dpopAlgorithms, "dpopAlgorithms cannot be null").stream()
                .map(JWSAlgorithm::getName).sorted().collect(Collectors.joining(" "));
    }

    /** The request carries no access token at all. */
    public void writeMissingToken(HttpServletResponse response) throws IOException {
        response.setHeader("WWW-Authenticate", "Bearer realm=\"" + this.realm + "\"");
        if (!this.dpopAlgorithms.isEmpty()) {
            response.addHeader("WWW-Authenticate", dpopChallenge().toString());
        }
        JsonResponses.write(response, HttpServletResponse.SC_UNAUTHORIZED, Map.of("error_description", MISSING_TOKEN_DESCRIPTION));
    }

    /** The request or its bearer token was refused for the given reason. */
    public void writeError(HttpServletResponse response, BearerTokenError error) throws IOException {
        writeError(response, error, TokenScheme.BEARER);
    }

    /** The request or its token was refused for the given reason; the challenge is that of the scheme the request used. */
    public void writeError(HttpServletResponse response, BearerTokenError error, TokenScheme scheme) throws IOException {
        Objects.requireNonNull(error, "error cannot be null");
        StringBuilder challenge = scheme == TokenScheme.DPOP && !this.dpopAlgorithms.isEmpty()
                ? dpopChallenge() : new StringBuilder("Bearer realm=\"").append(this.realm).append('"');
        challenge.append(", error=\"").append(error.code())
                .append("\", error_description=\"").append(error.description()).append('"');
        if (error.scope() != null) {
            challenge.append(", scope=\"").append(error.scope()).append('"');
        }
        response.setHeader("WWW-Authenticate", challenge.toString());
        JsonResponses.writeError(response, error.httpStatus(), error.code(), error.description());
    }

    /** The token could not be checked because the signing keys could not be obtained: a server-side fault. */
    public void writeUnavailable(HttpServletResponse response) throws IOException {
        writeUnavailable(response, UNAVAILABLE_DESCRIPTION);
    }

    /** The request could not be judged for a server-side reason, described in {@code description}; it may succeed later. */
    public void writeUnavailable(HttpServletResponse response, String description) throws IOException {
        response.setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
        JsonResponses.writeError(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, UNAVAILABLE_ERROR, description);
    }

    private StringBuilder dpopChallenge() {
        return new StringBuilder("DPoP realm=\"").append(this.realm).append("\", algs=\"").append(this.dpopAlgorithms).append('"');
    }
}
