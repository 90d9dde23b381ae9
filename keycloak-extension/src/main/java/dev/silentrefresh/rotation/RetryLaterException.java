package dev.silentrefresh.rotation;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.keycloak.services.CorsErrorResponseException;
import org.keycloak.services.cors.Cors;

/**
 * {@code 503} with {@code Retry-After}: the refresh could not be decided or recorded safely (the session store failed,
 * another node holds the family's generation for too long). Nothing was revoked and nothing was issued, so the client may
 * retry with the same refresh token. A fault is never taken for reuse (keycloak#49213).
 */
final class RetryLaterException extends CorsErrorResponseException {

    static final int RETRY_AFTER_SECONDS = 2;
    private static final long serialVersionUID = 1L;

    RetryLaterException(Cors cors) {
        super(cors, "temporarily_unavailable", "The refresh could not be completed; retry with the same refresh token",
                Response.Status.SERVICE_UNAVAILABLE);
    }

    @Override
    public Response getResponse() {
        return Response.fromResponse(super.getResponse()).header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS).build();
    }
}
