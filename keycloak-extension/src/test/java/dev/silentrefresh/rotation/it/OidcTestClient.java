package dev.silentrefresh.rotation.it;

import java.io.IOException;
import java.net.URI;
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
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Talks OAuth to a realm like a browser app would, over plain HTTP: the authorization-code flow with PKCE S256 through
 * Keycloak's real login form, the refresh grant, userinfo. Every {@link #login} starts a new browser (cookie jar), so
 * every login is a new user session.
 */
public final class OidcTestClient {

    private static final Pattern FORM_ACTION = Pattern.compile("<form[^>]*\\baction=\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String realmUrl;
    private final String clientId;
    private final String redirectUri;
    private final String clientSecret;
    private final DpopProofs dpopProofs;
    private final HttpClient http = newHttpClient(new LocalhostCookieJar());

    /** Makes a DPoP proof (RFC 9449) for one request. */
    @FunctionalInterface
    public interface DpopProofs {
        String proofFor(String method, URI uri);
    }

    public OidcTestClient(String baseUrl, String realm, String clientId, String redirectUri) {
        this(baseUrl + "/realms/" + realm, clientId, redirectUri, null, null);
    }

    private OidcTestClient(String realmUrl, String clientId, String redirectUri, String clientSecret, DpopProofs dpopProofs) {
        this.realmUrl = realmUrl;
        this.clientId = clientId;
        this.redirectUri = redirectUri;
        this.clientSecret = clientSecret;
        this.dpopProofs = dpopProofs;
    }

    /** The same client as a confidential one: every request to Keycloak carries the client secret. */
    public OidcTestClient withClientSecret(String secret) {
        return new OidcTestClient(realmUrl, clientId, redirectUri, secret, dpopProofs);
    }

    /** The same client proving possession of a DPoP key on every token request; {@code null}: no proof. */
    public OidcTestClient withDpopProofs(DpopProofs proofs) {
        return new OidcTestClient(realmUrl, clientId, redirectUri, clientSecret, proofs);
    }

    public String clientId() {
        return clientId;
    }

    /** A browser's cookie jar: logins through the same browser share one SSO session. */
    public static final class Browser {
        private final HttpClient http = newHttpClient(new LocalhostCookieJar());
    }

    /** Logs in through a new browser, so the login starts a new user session. */
    public TokenResponse login(String username, String password, String scope) {
        return login(new Browser(), username, password, scope);
    }

    public TokenResponse login(String username, String password) {
        return login(username, password, "");
    }

    /**
     * Logs in through the given browser: through the login form, or at once if the browser already has an SSO session.
     * {@code scope} is added to {@code openid}.
     */
    public TokenResponse login(Browser through, String username, String password, String scope) {
        HttpClient browser = through.http;
        String verifier = randomUrlSafe(32);
        String state = randomUrlSafe(16);
        String authorize = realmUrl + "/protocol/openid-connect/auth?" + form(Map.of(
                "client_id", clientId,
                "redirect_uri", redirectUri,
                "response_type", "code",
                "scope", ("openid " + scope).trim(),
                "state", state,
                "nonce", randomUrlSafe(16),
                "code_challenge", s256(verifier),
                "code_challenge_method", "S256"));
        HttpResponse<String> page = send(browser, HttpRequest.newBuilder(URI.create(authorize)).GET().build());
        if (page.statusCode() == 200) {
            Matcher action = FORM_ACTION.matcher(page.body());
            if (!action.find()) {
                throw new IllegalStateException("no login form on the login page");
            }
            page = send(browser, post(action.group(1).replace("&amp;", "&"),
                    Map.of("username", username, "password", password, "credentialId", "")));
        }
        int status = page.statusCode();
        String location = page.headers().firstValue("Location").orElseThrow(
                () -> new IllegalStateException("login did not redirect (HTTP " + status + ")"));
        Map<String, String> callback = query(URI.create(location));
        if (!state.equals(callback.get("state")) || callback.get("code") == null) {
            throw new IllegalStateException("unexpected redirect after login: " + callback.keySet());
        }
        return token(Map.of(
                "grant_type", "authorization_code",
                "code", callback.get("code"),
                "redirect_uri", redirectUri,
                "client_id", clientId,
                "code_verifier", verifier));
    }

    public TokenResponse refresh(String refreshToken) {
        return refresh(refreshToken, Map.of());
    }

    /** A refresh request with extra headers (for example {@code Origin}). */
    public TokenResponse refresh(String refreshToken, Map<String, String> headers) {
        return refresh(refreshToken, headers, null);
    }

    /** A refresh request with the {@code scope} parameter (a subset of the scopes granted at login). */
    public TokenResponse refreshWithScope(String refreshToken, String scope) {
        return refresh(refreshToken, Map.of(), scope);
    }

    private TokenResponse refresh(String refreshToken, Map<String, String> headers, String scope) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("grant_type", "refresh_token");
        params.put("client_id", clientId);
        if (refreshToken != null) {
            params.put("refresh_token", refreshToken);
        }
        if (scope != null) {
            params.put("scope", scope);
        }
        HttpRequest.Builder request = tokenEndpointRequest(params);
        headers.forEach(request::header);
        return TokenResponse.of(send(http, request.build()));
    }

    /**
     * An RFC 7009 revocation request; the raw answer, since Keycloak answers 200 with and without a body.
     *
     * @param tokenTypeHint {@code refresh_token}, {@code access_token}, or {@code null} for none
     */
    public HttpResponse<String> revoke(String token, String tokenTypeHint, Map<String, String> headers) {
        HttpRequest.Builder request = postBuilder(realmUrl + "/protocol/openid-connect/revoke", withClientAuthentication(tokenParams(token, tokenTypeHint)));
        headers.forEach(request::header);
        return send(http, request.build());
    }

    /** An RFC 7662 introspection request (Keycloak allows it to confidential clients only). */
    public TokenResponse introspect(String token, String tokenTypeHint) {
        return TokenResponse.of(send(http, postBuilder(realmUrl + "/protocol/openid-connect/token/introspect",
                withClientAuthentication(tokenParams(token, tokenTypeHint))).build()));
    }

    private static Map<String, String> tokenParams(String token, String tokenTypeHint) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("token", token);
        if (tokenTypeHint != null) {
            params.put("token_type_hint", tokenTypeHint);
        }
        return params;
    }

    /** {@code client_id}, and {@code client_secret} for a confidential client (client_secret_post). */
    private Map<String, String> withClientAuthentication(Map<String, String> params) {
        Map<String, String> authenticated = new LinkedHashMap<>(params);
        authenticated.put("client_id", clientId);
        if (clientSecret != null) {
            authenticated.put("client_secret", clientSecret);
        }
        return authenticated;
    }

    private HttpRequest.Builder tokenEndpointRequest(Map<String, String> params) {
        URI endpoint = URI.create(realmUrl + "/protocol/openid-connect/token");
        HttpRequest.Builder request = postBuilder(endpoint.toString(), withClientAuthentication(params));
        if (dpopProofs != null) {
            request.header("DPoP", dpopProofs.proofFor("POST", endpoint));
        }
        return request;
    }

    /** Resource-owner password grant, for test clients that allow it. */
    public TokenResponse passwordGrant(String username, String password, String scope) {
        return token(Map.of("grant_type", "password", "client_id", clientId, "username", username,
                "password", password, "scope", ("openid " + scope).trim()));
    }

    /** HTTP status of a userinfo request made with the access token. */
    public int userinfoStatus(String accessToken) {
        return send(http, HttpRequest.newBuilder(URI.create(realmUrl + "/protocol/openid-connect/userinfo"))
                .header("Authorization", "Bearer " + accessToken).GET().build()).statusCode();
    }

    private TokenResponse token(Map<String, String> params) {
        return TokenResponse.of(send(http, tokenEndpointRequest(params).build()));
    }

    private static HttpRequest post(String url, Map<String, String> params) {
        return postBuilder(url, params).build();
    }

    private static HttpRequest.Builder postBuilder(String url, Map<String, String> params) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(params)));
    }

    static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpClient newHttpClient(java.net.CookieHandler cookies) {
        return HttpClient.newBuilder()
                .cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    static String form(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> values = new LinkedHashMap<>();
        String raw = Optional.ofNullable(uri.getRawQuery()).orElse("");
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                values.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    private static String randomUrlSafe(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static String s256(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
