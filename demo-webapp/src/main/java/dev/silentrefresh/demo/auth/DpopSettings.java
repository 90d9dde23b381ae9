package dev.silentrefresh.demo.auth;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.nimbusds.jose.JWSAlgorithm;

/**
 * How the API checks DPoP proofs (RFC 9449), read from environment variables; kept apart from the app's other settings.
 *
 * @param externalBaseUrl {@code API_EXTERNAL_URL}: {@code scheme://host[:port]} clients address this app by, for the proofs'
 *                        {@code htu}, when a reverse proxy stands in front of it; {@code null} (the default) takes the URL
 *                        of the request as it reaches the app
 * @param algorithms      {@code DPOP_ALGORITHMS}: the proof signature algorithms accepted, asymmetric only (default
 *                        {@value #DEFAULT_ALGORITHMS})
 * @param maxAge          how old a proof may be ({@value #DEFAULT_MAX_AGE_SECONDS} s); a client makes a new one per request
 * @param clockSkew       how far ahead of this server's clock a proof's {@code iat} may be ({@value #DEFAULT_CLOCK_SKEW_SECONDS} s)
 */
public record DpopSettings(URI externalBaseUrl, Set<JWSAlgorithm> algorithms, Duration maxAge, Duration clockSkew) {

    public static final String API_EXTERNAL_URL = "API_EXTERNAL_URL";
    public static final String DPOP_ALGORITHMS = "DPOP_ALGORITHMS";

    static final String DEFAULT_ALGORITHMS = "ES256,PS256,RS256";
    static final int DEFAULT_MAX_AGE_SECONDS = 60;
    static final int DEFAULT_CLOCK_SKEW_SECONDS = 5;

    public DpopSettings {
        if (externalBaseUrl != null) {
            boolean http = "http".equalsIgnoreCase(externalBaseUrl.getScheme()) || "https".equalsIgnoreCase(externalBaseUrl.getScheme());
            if (!http || externalBaseUrl.getHost() == null || externalBaseUrl.getRawUserInfo() != null
                    || !(externalBaseUrl.getRawPath() == null || externalBaseUrl.getRawPath().isEmpty())
                    || externalBaseUrl.getRawQuery() != null || externalBaseUrl.getRawFragment() != null) {
                throw new IllegalArgumentException(API_EXTERNAL_URL + " must be scheme://host[:port] (http or https, no path), got '"
                        + externalBaseUrl + "'");
            }
        }
        Objects.requireNonNull(algorithms, DPOP_ALGORITHMS + " cannot be null");
        for (JWSAlgorithm algorithm : algorithms) {
            if (!JWSAlgorithm.Family.RSA.contains(algorithm) && !JWSAlgorithm.Family.EC.contains(algorithm)) {
                throw new IllegalArgumentException(DPOP_ALGORITHMS + " must contain only RSA or EC signature algorithms (RFC 9449 "
                        + "§4.2: asymmetric, never none or HMAC), got " + algorithm);
            }
        }
        algorithms = Collections.unmodifiableSet(new LinkedHashSet<>(algorithms));
        Objects.requireNonNull(maxAge, "maxAge cannot be null");
        Objects.requireNonNull(clockSkew, "clockSkew cannot be null");
        if (clockSkew.compareTo(maxAge) > 0) {
            throw new IllegalArgumentException("the DPoP clock skew must not exceed the proof max age");
        }
    }

    /** The defaults: the request's own URL, ES256, PS256 and RS256, a minute's lifetime. */
    public static DpopSettings defaults() {
        return fromMap(Map.of());
    }

    public static DpopSettings fromEnvironment() {
        return fromMap(System.getenv());
    }

    /** Reads the settings from a map of environment-variable names to values; missing or blank values take the default. */
    public static DpopSettings fromMap(Map<String, String> environment) {
        String externalUrl = environment.get(API_EXTERNAL_URL);
        String algorithms = environment.get(DPOP_ALGORITHMS);
        return new DpopSettings(
                externalUrl == null || externalUrl.isBlank() ? null : SettingValues.uri(API_EXTERNAL_URL, withoutTrailingSlash(externalUrl.trim())),
                SettingValues.algorithms(algorithms == null || algorithms.isBlank() ? DEFAULT_ALGORITHMS : algorithms),
                Duration.ofSeconds(DEFAULT_MAX_AGE_SECONDS),
                Duration.ofSeconds(DEFAULT_CLOCK_SKEW_SECONDS));
    }

    /** The same settings with another external base URL. */
    public DpopSettings withExternalBaseUrl(URI url) {
        return new DpopSettings(url, this.algorithms, this.maxAge, this.clockSkew);
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
