package dev.silentrefresh.demo;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.nimbusds.jose.JWSAlgorithm;

import dev.silentrefresh.demo.auth.SettingValues;

/**
 * The web app's settings, read from environment variables with defaults that match the demo realm.
 *
 * <p>Every value is validated when the record is built, so a bad setting stops the app at startup with the name of the
 * variable rather than turning into a confusing 401 on the first request.
 *
 * @param port          {@code PORT}: the HTTP port of this app
 * @param keycloakUrl   {@code KEYCLOAK_URL}: Keycloak's base URL as the browser sees it; the expected token issuer is built from it
 * @param realm         {@code KEYCLOAK_REALM}
 * @param clientId      {@code KEYCLOAK_CLIENT_ID}: the public client the page logs in with (only passed to the page)
 * @param audience      {@code API_AUDIENCE}: the value access tokens must carry in {@code aud}; also the client whose roles count
 * @param jwksUrl       {@code KEYCLOAK_JWKS_URL}: where this app fetches the realm's signing keys; {@code null} for the realm's
 *                      endpoint under {@code keycloakUrl}
 * @param jwtAlgorithms {@code JWT_ALGORITHMS}: the signature algorithms accepted, whatever a token's header claims
 * @param clockSkew     {@code CLOCK_SKEW_SECONDS}: leeway for {@code exp} and {@code nbf}
 * @param dpopClientId  {@code KEYCLOAK_DPOP_CLIENT_ID}: the public client whose tokens are DPoP-bound (only passed to the page)
 * @param refreshGrace  {@code REFRESH_GRACE_SECONDS}: the refresh-token-rotation executor's {@code grace-period-seconds} for the
 *                      page's clients; the browser retries a refresh with the same token only inside it, so it must not be
 *                      larger than the realm's value
 * @param refreshBoundTokenRetry {@code REFRESH_BOUND_TOKEN_RETRY} ({@code true} or {@code false}, default {@code true}): the DPoP
 *                      client's executor has {@code bound-token-retry} on, so the page retries an unanswered refresh of a
 *                      DPoP-bound token until an answer instead of giving it up after the grace window
 */
public record DemoConfig(int port, URI keycloakUrl, String realm, String clientId, String audience, URI jwksUrl,
                         Set<JWSAlgorithm> jwtAlgorithms, Duration clockSkew, String dpopClientId, Duration refreshGrace,
                         boolean refreshBoundTokenRetry) {

    public static final String PORT = "PORT";
    public static final String KEYCLOAK_URL = "KEYCLOAK_URL";
    public static final String KEYCLOAK_REALM = "KEYCLOAK_REALM";
    public static final String KEYCLOAK_CLIENT_ID = "KEYCLOAK_CLIENT_ID";
    public static final String API_AUDIENCE = "API_AUDIENCE";
    public static final String KEYCLOAK_JWKS_URL = "KEYCLOAK_JWKS_URL";
    public static final String JWT_ALGORITHMS = "JWT_ALGORITHMS";
    public static final String CLOCK_SKEW_SECONDS = "CLOCK_SKEW_SECONDS";
    public static final String KEYCLOAK_DPOP_CLIENT_ID = "KEYCLOAK_DPOP_CLIENT_ID";
    public static final String REFRESH_GRACE_SECONDS = "REFRESH_GRACE_SECONDS";
    public static final String REFRESH_BOUND_TOKEN_RETRY = "REFRESH_BOUND_TOKEN_RETRY";

    static final int DEFAULT_PORT = 8081;
    static final String DEFAULT_KEYCLOAK_URL = "http://localhost:8080";
    static final String DEFAULT_REALM = "demo";
    static final String DEFAULT_CLIENT_ID = "demo-spa";
    static final String DEFAULT_AUDIENCE = "demo-api";
    static final String DEFAULT_JWT_ALGORITHMS = "RS256";
    static final int DEFAULT_CLOCK_SKEW_SECONDS = 5;
    static final int MAX_CLOCK_SKEW_SECONDS = 300;
    static final String DEFAULT_DPOP_CLIENT_ID = "demo-spa-dpop";
    /** The demo realm's grace-period-seconds (realm-export.json). */
    static final int DEFAULT_REFRESH_GRACE_SECONDS = 10;
    /** The executor's own upper bound. */
    static final int MAX_REFRESH_GRACE_SECONDS = 300;

    // the realm goes into URL paths; Keycloak allows more, but these are the names that need no escaping
    private static final Pattern REALM_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    // the audience is written into WWW-Authenticate as realm="...", so it must be a valid quoted-string body (RFC 6750 §3)
    private static final Pattern QUOTABLE = Pattern.compile("[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7E]+");

    public DemoConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(PORT + " must be from 0 to 65535, got " + port);
        }
        keycloakUrl = httpUrl(KEYCLOAK_URL, keycloakUrl);
        requireMatch(KEYCLOAK_REALM, realm, REALM_NAME, "letters, digits, '.', '_' and '-'");
        requireMatch(KEYCLOAK_CLIENT_ID, clientId, PRINTABLE, "printable ASCII without spaces");
        requireMatch(API_AUDIENCE, audience, QUOTABLE, "printable ASCII without '\"' and '\\'");
        jwksUrl = httpUrl(KEYCLOAK_JWKS_URL, jwksUrl != null ? jwksUrl
                : URI.create(keycloakUrl + "/realms/" + realm + "/protocol/openid-connect/certs"));
        jwtAlgorithms = signatureAlgorithms(jwtAlgorithms);
        Objects.requireNonNull(clockSkew, CLOCK_SKEW_SECONDS + " cannot be null");
        if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofSeconds(MAX_CLOCK_SKEW_SECONDS)) > 0) {
            throw new IllegalArgumentException(CLOCK_SKEW_SECONDS + " must be from 0 to " + MAX_CLOCK_SKEW_SECONDS + ", got "
                    + clockSkew.toSeconds());
        }
        requireMatch(KEYCLOAK_DPOP_CLIENT_ID, dpopClientId, PRINTABLE, "printable ASCII without spaces");
        Objects.requireNonNull(refreshGrace, REFRESH_GRACE_SECONDS + " cannot be null");
        if (refreshGrace.isNegative() || refreshGrace.compareTo(Duration.ofSeconds(MAX_REFRESH_GRACE_SECONDS)) > 0) {
            throw new IllegalArgumentException(REFRESH_GRACE_SECONDS + " must be from 0 to " + MAX_REFRESH_GRACE_SECONDS + ", got "
                    + refreshGrace.toSeconds());
        }
    }

    /** Reads the configuration from the process environment. */
    public static DemoConfig fromEnvironment() {
        return fromMap(System.getenv());
    }

    /**
     * Reads the configuration from a map of environment-variable names to values; missing or blank values take the default.
     *
     * @throws IllegalArgumentException naming the variable whose value is unusable
     */
    public static DemoConfig fromMap(Map<String, String> environment) {
        Objects.requireNonNull(environment, "environment cannot be null");
        String jwksUrl = value(environment, KEYCLOAK_JWKS_URL, null);
        return new DemoConfig(
                parseInt(PORT, value(environment, PORT, String.valueOf(DEFAULT_PORT))),
                SettingValues.uri(KEYCLOAK_URL, value(environment, KEYCLOAK_URL, DEFAULT_KEYCLOAK_URL)),
                value(environment, KEYCLOAK_REALM, DEFAULT_REALM),
                value(environment, KEYCLOAK_CLIENT_ID, DEFAULT_CLIENT_ID),
                value(environment, API_AUDIENCE, DEFAULT_AUDIENCE),
                jwksUrl == null ? null : SettingValues.uri(KEYCLOAK_JWKS_URL, jwksUrl),
                SettingValues.algorithms(value(environment, JWT_ALGORITHMS, DEFAULT_JWT_ALGORITHMS)),
                Duration.ofSeconds(parseInt(CLOCK_SKEW_SECONDS, value(environment, CLOCK_SKEW_SECONDS,
                        String.valueOf(DEFAULT_CLOCK_SKEW_SECONDS)))),
                value(environment, KEYCLOAK_DPOP_CLIENT_ID, DEFAULT_DPOP_CLIENT_ID),
                Duration.ofSeconds(parseInt(REFRESH_GRACE_SECONDS, value(environment, REFRESH_GRACE_SECONDS,
                        String.valueOf(DEFAULT_REFRESH_GRACE_SECONDS)))),
                parseBoolean(REFRESH_BOUND_TOKEN_RETRY, value(environment, REFRESH_BOUND_TOKEN_RETRY, "true")));
    }

    /** The {@code iss} every accepted token must carry: Keycloak's URL as the browser sees it, plus the realm path. */
    public String issuer() {
        return this.keycloakUrl + "/realms/" + this.realm;
    }

    /** Keycloak's origin ({@code scheme://host[:port]}), which the page must be allowed to talk to. */
    public String keycloakOrigin() {
        int port = this.keycloakUrl.getPort();
        return this.keycloakUrl.getScheme() + "://" + this.keycloakUrl.getHost() + (port == -1 ? "" : ":" + port);
    }

    private static String value(Map<String, String> environment, String name, String defaultValue) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    private static int parseInt(String name, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + text + "'", ex);
        }
    }

    private static boolean parseBoolean(String name, String text) {
        if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(name + " must be true or false, got '" + text + "'");
    }

    private static URI httpUrl(String name, URI url) {
        Objects.requireNonNull(url, name + " cannot be null");
        boolean http = "http".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme());
        if (!http || url.getHost() == null || url.getRawUserInfo() != null || url.getRawQuery() != null
                || url.getRawFragment() != null) {
            throw new IllegalArgumentException(name + " must be an http or https URL with a host and without user info, query or "
                    + "fragment, got '" + url + "'");
        }
        return URI.create(withoutTrailingSlash(url.toString()));
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static void requireMatch(String name, String value, Pattern pattern, String expectation) {
        Objects.requireNonNull(value, name + " cannot be null");
        if (!pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " must be non-empty " + expectation + ", got '" + value + "'");
        }
    }

    private static Set<JWSAlgorithm> signatureAlgorithms(Set<JWSAlgorithm> algorithms) {
        Objects.requireNonNull(algorithms, JWT_ALGORITHMS + " cannot be null");
        if (algorithms.isEmpty()) {
            throw new IllegalArgumentException(JWT_ALGORITHMS + " must name at least one algorithm, e.g. RS256");
        }
        for (JWSAlgorithm algorithm : algorithms) {
            if ("none".equalsIgnoreCase(algorithm.getName())) {
                throw new IllegalArgumentException(JWT_ALGORITHMS + " must not contain none: it would accept unsigned tokens");
            }
            if (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm)) {
                throw new IllegalArgumentException(JWT_ALGORITHMS + " must not contain " + algorithm
                        + ": HMAC needs a secret shared with Keycloak, and Keycloak signs access tokens with the realm's private key");
            }
            if (!JWSAlgorithm.Family.RSA.contains(algorithm) && !JWSAlgorithm.Family.EC.contains(algorithm)) {
                throw new IllegalArgumentException(JWT_ALGORITHMS + " must contain only RSA or EC signature algorithms ("
                        + names(JWSAlgorithm.Family.RSA) + ", " + names(JWSAlgorithm.Family.EC) + "), got " + algorithm);
            }
        }
        return Collections.unmodifiableSet(new LinkedHashSet<>(algorithms));
    }

    private static String names(JWSAlgorithm.Family family) {
        return family.stream().map(JWSAlgorithm::getName).sorted().collect(Collectors.joining(", "));
    }
}
