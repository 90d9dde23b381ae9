package dev.silentrefresh.demo.testing;

import java.io.IOException;
import java.net.CookieHandler;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Logs in to a Keycloak realm the way the demo page does, over plain HTTP: authorization code with PKCE S256 through
 * Keycloak's real login form, then the refresh grant. Each instance is one browser (one cookie jar).
 */
public final class KeycloakLogin {

    private static final Pattern FORM_ACTION = Pattern.compile("<form[^>]*\\baction=\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String realmUrl;
    private final String clientId;
    private final String redirectUri;
    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new LoopbackCookies())
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

    public KeycloakLogin(String keycloakUrl, String realm, String clientId, String redirectUri) {
        this.realmUrl = keycloakUrl + "/realms/" + realm;
        this.clientId = clientId;
        this.redirectUri = redirectUri;
    }

    /** The token endpoint's answer; {@code toString} names no token. */
    public record Tokens(int status, JsonNode body) {

        public String accessToken() {
            return text("access_token");
        }

        public String refreshToken() {
            return text("refresh_token");
        }

        public String idToken() {
            return text("id_token");
        }

        public String error() {
            return text("error");
        }

        private String text(String field) {
            JsonNode value = this.body.get(field);
            return value == null || value.isNull() ? null : value.asText();
        }

        @Override
        public String toString() {
            return "Tokens[status=" + this.status + ", error=" + error() + "]";
        }
    }

    /** Logs {@code username} in through the login form and exchanges the code. */
    public Tokens logIn(String username, String password) throws IOException, InterruptedException {
        String verifier = random(32);
        String state = random(16);
        String authorize = this.realmUrl + "/protocol/openid-connect/auth?" + form(Map.of(
                "client_id", this.clientId, "redirect_uri", this.redirectUri, "response_type", "code", "scope", "openid",
                "state", state, "nonce", random(16), "code_challenge", s256(verifier), "code_challenge_method", "S256"));
        HttpResponse<String> page = this.http.send(HttpRequest.newBuilder(URI.create(authorize)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (page.statusCode() == 200) {
            Matcher action = FORM_ACTION.matcher(page.body());
            if (!action.find()) {
                throw new IllegalStateException("no login form on Keycloak's login page");
            }
            page = this.http.send(post(action.group(1).replace("&amp;", "&"),
                    Map.of("username", username, "password", password, "credentialId", "")), HttpResponse.BodyHandlers.ofString());
        }
        String location = page.headers().firstValue("Location")
                .orElseThrow(() -> new IllegalStateException("the login did not redirect"));
        Map<String, String> callback = query(URI.create(location));
        if (!state.equals(callback.get("state")) || callback.get("code") == null) {
            throw new IllegalStateException("unexpected redirect after the login: " + callback.keySet());
        }
        return token(Map.of("grant_type", "authorization_code", "code", callback.get("code"), "redirect_uri", this.redirectUri,
                "client_id", this.clientId, "code_verifier", verifier));
    }

    public Tokens refresh(String refreshToken) throws IOException, InterruptedException {
        return token(Map.of("grant_type", "refresh_token", "client_id", this.clientId, "refresh_token", refreshToken));
    }

    private Tokens token(Map<String, String> parameters) throws IOException, InterruptedException {
        HttpResponse<String> response = this.http.send(post(this.realmUrl + "/protocol/openid-connect/token", parameters),
                HttpResponse.BodyHandlers.ofString());
        return new Tokens(response.statusCode(), JSON.readTree(response.body()));
    }

    private static HttpRequest post(String url, Map<String, String> parameters) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(parameters))).build();
    }

    private static String form(Map<String, String> parameters) {
        return parameters.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> values = new LinkedHashMap<>();
        String raw = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                values.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    /**
     * A browser's cookie jar for a server on this machine: Keycloak marks its login cookies {@code Secure}, which the JDK's
     * {@code CookieManager} then withholds over plain HTTP, as browsers do not for {@code localhost}.
     */
    private static final class LoopbackCookies extends CookieHandler {

        private final Map<String, String> cookies = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public Map<String, java.util.List<String>> get(URI uri, Map<String, java.util.List<String>> requestHeaders) {
            if (this.cookies.isEmpty()) {
                return Map.of();
            }
            String header = this.cookies.entrySet().stream().map(c -> c.getKey() + "=" + c.getValue()).collect(Collectors.joining("; "));
            return Map.of("Cookie", java.util.List.of(header));
        }

        @Override
        public void put(URI uri, Map<String, java.util.List<String>> responseHeaders) {
            for (Map.Entry<String, java.util.List<String>> header : responseHeaders.entrySet()) {
                if (header.getKey() == null || !header.getKey().equalsIgnoreCase("Set-Cookie")) {
                    continue;
                }
                for (String cookie : header.getValue()) {
                    String pair = cookie.split(";", 2)[0];
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        String name = pair.substring(0, eq).trim();
                        String value = pair.substring(eq + 1).trim();
                        boolean expired = cookie.toLowerCase().contains("max-age=0") || value.isEmpty();
                        if (expired) {
                            this.cookies.remove(name);
                        } else {
                            this.cookies.put(name, value);
                        }
                    }
                }
            }
        }
    }

    private static String random(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
