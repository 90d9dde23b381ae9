package dev.silentrefresh.demo.auth;

import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a Keycloak access token with Nimbus JOSE+JWT against the realm's published keys.
 *
 * <p>In order: the header {@code typ} is {@code JWT}, {@code at+jwt} or absent; the algorithm is one the configuration
 * allows (never what the token asks for, so {@code none} and HMAC-with-the-public-key are refused); the key is picked by
 * {@code kid} from the JWKS; the signature holds; then {@code iss}, {@code aud}, {@code exp}, {@code nbf}, {@code sub} and
 * Keycloak's payload {@code typ} (see {@link AccessTokenClaimsVerifier}).
 *
 * <p>The JWKS is cached for five minutes; a token with an unknown {@code kid} forces a refetch, at most once every 30
 * seconds, which is how Keycloak's key rotation is picked up. When the keys are needed but cannot be fetched or parsed, the
 * failure is a {@link KeySourceUnavailableException}, not an invalid token.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8725">RFC 8725: JSON Web Token Best Current Practices</a>
 */
public final class JwtVerifier implements AccessTokenVerifier {

    static final String TOKEN_EXPIRED = "The access token expired";
    static final String TOKEN_INVALID = "The access token is invalid";

    static final int JWKS_CONNECT_TIMEOUT_MILLIS = 2_000;
    static final int JWKS_READ_TIMEOUT_MILLIS = 2_000;
    static final int JWKS_SIZE_LIMIT_BYTES = 64 * 1024;
    static final Duration JWKS_CACHE_TIME_TO_LIVE = Duration.ofMinutes(5);
    // how long a request waits for another thread's JWKS fetch; longer than one fetch can take
    static final Duration JWKS_CACHE_REFRESH_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(JwtVerifier.class);
    private static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");
    private static final int MAX_LOGGED_REASON_LENGTH = 200;

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String audience;

    /**
     * @param jwksUrl    the realm's JWKS endpoint
     * @param issuer     the exact {@code iss} to accept
     * @param audience   the value {@code aud} must contain; also the client whose roles are read
     * @param algorithms the signature algorithms to accept
     * @param clockSkew  leeway for {@code exp} and {@code nbf}
     * @param clock      the clock {@code exp} and {@code nbf} are checked against
     */
    public JwtVerifier(URI jwksUrl, String issuer, String audience, Set<JWSAlgorithm> algorithms, Duration clockSkew, Clock clock) {
        Objects.requireNonNull(jwksUrl, "jwksUrl cannot be null");
        Objects.requireNonNull(algorithms, "algorithms cannot be null");
        this.audience = Objects.requireNonNull(audience, "audience cannot be null");
        this.processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, AT_JWT, null));
        this.processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.copyOf(algorithms), remoteKeySource(jwksUrl)));
        this.processor.setJWTClaimsSetVerifier(new AccessTokenClaimsVerifier(issuer, audience, clockSkew, clock));
    }

    @Override
    public AuthenticatedUser verify(String token) throws BearerTokenException, KeySourceUnavailableException {
        Objects.requireNonNull(token, "token cannot be null");
        try {
            return toUser(this.processor.process(token, null));
        } catch (KeySourceException ex) {
            throw new KeySourceUnavailableException("the token signing keys are unavailable", ex);
        } catch (ExpiredJWTException ex) {
            LOG.debug("rejected an expired access token");
            throw new BearerTokenException(BearerTokenError.invalidToken(TOKEN_EXPIRED));
        } catch (ParseException | BadJOSEException | JOSEException ex) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("rejected an access token: {}", loggable(ex.getMessage()));
            }
            throw new BearerTokenException(BearerTokenError.invalidToken(TOKEN_INVALID));
        }
    }

    private static JWKSource<SecurityContext> remoteKeySource(URI jwksUrl) {
        DefaultResourceRetriever retriever = new DefaultResourceRetriever(
                JWKS_CONNECT_TIMEOUT_MILLIS, JWKS_READ_TIMEOUT_MILLIS, JWKS_SIZE_LIMIT_BYTES);
        try {
            // no refresh-ahead: it would start a background thread per verifier to save one fetch every five minutes;
            // no outage tolerance: serving stale keys would turn an unknown kid during an outage into invalid_token
            return JWKSourceBuilder.<SecurityContext>create(jwksUrl.toURL(), retriever)
                    .cache(JWKS_CACHE_TIME_TO_LIVE.toMillis(), JWKS_CACHE_REFRESH_TIMEOUT.toMillis())
                    .refreshAheadCache(false)
                    .rateLimited(true)
                    .build();
        } catch (MalformedURLException ex) {
            throw new IllegalArgumentException("jwksUrl must be a URL, got " + jwksUrl, ex);
        }
    }

    private AuthenticatedUser toUser(JWTClaimsSet claims) throws ParseException {
        return new AuthenticatedUser(
                claims.getSubject(),
                claims.getStringClaim("preferred_username"),
                claims.getStringClaim("email"),
                claims.getStringClaim("name"),
                clientRoles(claims.getJSONObjectClaim("resource_access")),
                claims.getExpirationTime().toInstant());
    }

    // resource_access: {"<client>": {"roles": ["..."]}}; any other shape simply grants no roles
    private Set<String> clientRoles(Map<String, Object> resourceAccess) {
        if (resourceAccess == null || !(resourceAccess.get(this.audience) instanceof Map<?, ?> client)
                || !(client.get("roles") instanceof Collection<?> roles)) {
            return Set.of();
        }
        return roles.stream().filter(String.class::isInstance).map(String.class::cast).collect(Collectors.toUnmodifiableSet());
    }

    // Nimbus' reasons name claims and may quote claim values from the token (never the token itself); keep them one short line
    private static String loggable(String reason) {
        String line = String.valueOf(reason).replaceAll("\\p{Cntrl}", " ");
        return line.length() > MAX_LOGGED_REASON_LENGTH ? line.substring(0, MAX_LOGGED_REASON_LENGTH) + "..." : line;
    }
}
