package dev.silentrefresh.rotation.it;

import java.net.http.HttpResponse;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A token-endpoint response: status and JSON body. */
public record TokenResponse(int status, Map<String, Object> body, HttpResponse<String> raw) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static TokenResponse of(HttpResponse<String> response) {
        Map<String, Object> body;
        try {
            body = JSON.readValue(response.body(), new TypeReference<>() { });
        } catch (Exception e) {
            body = Map.of("unparsed", response.body());
        }
        return new TokenResponse(response.statusCode(), body, response);
    }

    public String accessToken() {
        return (String) body.get("access_token");
    }

    public String refreshToken() {
        return (String) body.get("refresh_token");
    }

    public String idToken() {
        return (String) body.get("id_token");
    }

    public String error() {
        return (String) body.get("error");
    }

    public String errorDescription() {
        return (String) body.get("error_description");
    }

    /** The claims of the refresh token, read without verification (only the server can verify it). */
    public Map<String, Object> refreshTokenClaims() {
        return Jwt.claims(refreshToken());
    }

    /** The refresh token's generation ({@code rtr_gen}); fails the test if the token carries none. */
    public int refreshTokenGeneration() {
        Object generation = refreshTokenClaims().get("rtr_gen");
        if (!(generation instanceof Number number)) {
            throw new AssertionError("the refresh token carries no generation");
        }
        return number.intValue();
    }

    @Override
    public String toString() {
        // never print token values, not even in a failed assertion
        return "TokenResponse[status=" + status + ", error=" + error() + ", error_description=" + errorDescription() + "]";
    }
}
