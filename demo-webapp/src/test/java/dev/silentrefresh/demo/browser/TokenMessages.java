package dev.silentrefresh.demo.browser;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The few fields {@link KeycloakProxy} reads from token-endpoint traffic: a form parameter of a request, a string member of
 * a token response, the {@code sid} claim of a token. Plain string work on Keycloak's compact JSON, no token is kept.
 */
final class TokenMessages {

    private TokenMessages() {
    }

    /** A parameter of an {@code application/x-www-form-urlencoded} body, or null. */
    static String formValue(String form, String name) {
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && name.equals(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8))) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The {@code sid} claim of a JWT (not a secret: the pages show it too), or null. */
    static String sessionIdOf(String jwt) {
        if (jwt == null) {
            return null;
        }
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            return null;
        }
        try {
            return jsonString(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("\": \"", "\":\""), "sid");
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A string member of a flat JSON object such as a token response (tokens hold no quotes or escapes). */
    static String jsonString(String json, String name) {
        String key = "\"" + name + "\":\"";
        int start = json.indexOf(key);
        if (start < 0) {
            return null;
        }
        int end = json.indexOf('"', start + key.length());
        return end < 0 ? null : json.substring(start + key.length(), end);
    }
}
