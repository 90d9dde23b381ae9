package dev.silentrefresh.rotation;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.keycloak.services.CorsErrorResponseException;
import org.keycloak.services.cors.Cors;

/**
 * {@code 503} with {@code Retry-After}: the refresh could not be decided or recorded safely (the session store failed,
 * another node holds the family's generation for too long). Nothing was revoked and nothing was issued, so the client may
 * retry with the same refresh token. A fault is never taken for reuse (keycloak#49213).
 *
 * <p>This is the only 503 a client may retry with the same token after the grace window (the project's contract 1): a
 * proxy's 503 or 504, or Keycloak's own 5xx after a commit, may come after the token was consumed. So it says so in the
 * body, {@code "refresh_token_consumed": false}, and exposes {@code Retry-After} to browsers through CORS (it is not a
 * header a browser lets scripts read otherwise).
 */
final class RetryLaterException extends CorsErrorResponseException {

    static final int RETRY_AFTER_SECONDS = 2;
    static final String ERROR = "temporarily_unavailable";
    static final String CONSUMED_FIELD = "refresh_token_consumed";
    private static final String DESCRIPTION = "The refresh could not be completed; retry with the same refresh token";
    private static final long serialVersionUID = 1L;

    private final transient Cors cors;

    RetryLaterException(Cors cors) {
        super(cors, ERROR, DESCRIPTION, Response.Status.SERVICE_UNAVAILABLE);
        this.cors = cors;
    }

    @Override
    public Response getResponse() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", ERROR);
        body.put("error_description", DESCRIPTION);
        body.put(CONSUMED_FIELD, false);
        Response.ResponseBuilder response = Response.status(Response.Status.SERVICE_UNAVAILABLE)
                .entity(body)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        return cors.exposedHeaders(HttpHeaders.RETRY_AFTER).add(response);
    }
}
