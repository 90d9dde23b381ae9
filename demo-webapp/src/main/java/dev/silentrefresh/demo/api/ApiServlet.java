package dev.silentrefresh.demo.api;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.silentrefresh.demo.auth.AuthenticatedUser;
import dev.silentrefresh.demo.auth.BearerTokenError;
import dev.silentrefresh.demo.auth.BearerTokenErrorWriter;
import dev.silentrefresh.demo.auth.TokenScheme;
import dev.silentrefresh.demo.http.JsonResponses;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The JSON API under {@code /api}: {@code GET /api/public} for anyone, {@code GET /api/me} for any valid token, and
 * {@code GET /api/data} for tokens with the client role {@value #READER_ROLE} of the API audience.
 *
 * <p>Authentication is the bearer-token filter's job; this servlet only reads the {@link AuthenticatedUser} it left behind
 * and checks the role. Unknown paths get 404 and other methods 405, both as JSON like every other answer here.
 */
public final class ApiServlet extends HttpServlet {

    /** The only path below {@code /api} that needs no token. */
    public static final String PUBLIC_PATH = "/api/public";
    static final String READER_ROLE = "reader";

    private static final long serialVersionUID = 1L;
    private static final Set<String> PATHS = Set.of("/public", "/me", "/data");
    private static final List<Item> ITEMS = List.of(
            new Item(1, "Access tokens live for a minute; the page refreshes them before they expire"),
            new Item(2, "Every refresh token is used once; reusing one revokes the whole family"),
            new Item(3, "Only one tab refreshes at a time; the others wait for its result"));

    private final transient Clock clock;
    private final transient BearerTokenErrorWriter errorWriter;

    /**
     * @param clock       the clock for {@code serverTime} and {@code tokenExpiresIn}
     * @param errorWriter answers a token without the required role, in the filter's format
     */
    public ApiServlet(Clock clock, BearerTokenErrorWriter errorWriter) {
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.errorWriter = Objects.requireNonNull(errorWriter, "errorWriter cannot be null");
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = Objects.requireNonNullElse(request.getPathInfo(), "");
        if (!PATHS.contains(path)) {
            JsonResponses.writeError(response, HttpServletResponse.SC_NOT_FOUND, "not_found", "No such API resource");
            return;
        }
        if (!"GET".equals(request.getMethod())) {
            response.setHeader("Allow", "GET");
            JsonResponses.writeError(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "method_not_allowed", "Use GET");
            return;
        }
        if ("/public".equals(path)) {
            JsonResponses.write(response, HttpServletResponse.SC_OK,
                    new PublicMessage("Hello from the public API; no token needed", this.clock.instant().toString()));
            return;
        }
        AuthenticatedUser user = AuthenticatedUser.of(request);
        if (user == null) {
            // only reachable if the filter is not mapped here: refuse rather than serve anonymously
            this.errorWriter.writeMissingToken(response);
        } else if ("/me".equals(path)) {
            JsonResponses.write(response, HttpServletResponse.SC_OK, me(user));
        } else if (!user.hasRole(READER_ROLE)) {
            this.errorWriter.writeError(response,
                    BearerTokenError.insufficientScope("The access token lacks the client role " + READER_ROLE, READER_ROLE),
                    user.isDpopBound() ? TokenScheme.DPOP : TokenScheme.BEARER);
        } else {
            JsonResponses.write(response, HttpServletResponse.SC_OK, new Data(ITEMS, this.clock.instant().toString(), user.username()));
        }
    }

    private Me me(AuthenticatedUser user) {
        Instant now = this.clock.instant();
        long expiresIn = Math.max(0, Duration.between(now, user.expiresAt()).toSeconds());
        return new Me(user.username(), user.email(), user.name(), user.subject(), user.roles().stream().sorted().toList(),
                user.expiresAt().getEpochSecond(), expiresIn);
    }

    record PublicMessage(String message, String serverTime) {
    }

    record Me(String username, String email, String name, String subject, List<String> roles, long tokenExpiresAt,
              long tokenExpiresIn) {
    }

    record Item(int id, String title) {
    }

    record Data(List<Item> items, String servedAt, String servedTo) {
    }
}
