package dev.silentrefresh.demo.auth;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.jose.util.events.Event;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a Keycloak access token with Nimbus JOSE+JWT against the realm's published keys.
 *
 * <p>In order: the header {@code typ} is {@code JWT}, {@code at+jwt} or absent; the algorithm is one the configuration
 * allows (never what the token asks for, so {@code none} and HMAC-with-the-public-key are refused); the key is picked by
 * {@code kid} from the JWKS (never from {@code jku}, {@code x5u} or {@code jwk} headers, which are ignored); the signature
 * holds; then {@code iss}, {@code aud}, {@code exp}, {@code nbf}, {@code sub} and Keycloak's payload {@code typ} (see
 * {@link AccessTokenClaimsVerifier}). A DPoP-bound token's {@code cnf.jkt} is handed on in the {@link AuthenticatedUser}; the
 * filter checks the proof.
 *
 * <p>The JWKS is cached for five minutes; a token with an unknown {@code kid} forces a refetch, at most once every 30
 * seconds, which is how Keycloak's key rotation is picked up (a second unknown {@code kid} within those 30 seconds is judged
 * against the keys just fetched). When Keycloak cannot be reached, the keys last fetched keep
 * being used for up to {@link #JWKS_OUTAGE_TOLERANCE}, so an outage does not log anybody out; a token whose key is not among
 * them cannot be judged then, and that, like keys that cannot be had at all, is a {@link KeySourceUnavailableException}
 * (503), not an invalid token.
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
    // Nimbus' default: an unknown kid refetches the JWKS at most this often
    static final Duration JWKS_REFETCH_MIN_INTERVAL = Duration.ofSeconds(30);
    /** How long the last keys fetched stay usable while Keycloak cannot be reached. */
    public static final Duration JWKS_OUTAGE_TOLERANCE = Duration.ofMinutes(15);

    private static final Logger LOG = LoggerFactory.getLogger(JwtVerifier.class);
    private static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");
    private static final int MAX_LOGGED_REASON_LENGTH = 200;
    private static final Pattern COMPACT_JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    private final DefaultJWTProcessor<KeyLookup> processor = new DefaultJWTProcessor<>();
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
        this(remoteKeySource(jwksUrl, JWKS_CACHE_TIME_TO_LIVE), issuer, audience, algorithms, clockSkew, clock);
    }

    /**
     * @param keys       where the signing keys come from, e.g. {@link #remoteKeySource(URI, Duration)}
     * @param issuer     the exact {@code iss} to accept
     * @param audience   the value {@code aud} must contain; also the client whose roles are read
     * @param algorithms the signature algorithms to accept
     * @param clockSkew  leeway for {@code exp} and {@code nbf}
     * @param clock      the clock {@code exp} and {@code nbf} are checked against
     */
    public JwtVerifier(JWKSource<KeyLookup> keys, String issuer, String audience, Set<JWSAlgorithm> algorithms, Duration clockSkew,
                       Clock clock) {
        Objects.requireNonNull(keys, "keys cannot be null");
        Objects.requireNonNull(algorithms, "algorithms cannot be null");
        this.audience = Objects.requireNonNull(audience, "audience cannot be null");
        this.processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, AT_JWT, null));
        JWSVerificationKeySelector<KeyLookup> byKeyId = new JWSVerificationKeySelector<>(Set.copyOf(algorithms), keys);
        this.processor.setJWSKeySelector((header, lookup) -> lookup.found(byKeyId.selectJWSKeys(header, lookup)));
        this.processor.setJWTClaimsSetVerifier(new AccessTokenClaimsVerifier<>(issuer, audience, clockSkew, clock));
    }

    @Override
    public AuthenticatedUser verify(String token) throws BearerTokenException, KeySourceUnavailableException {
        Objects.requireNonNull(token, "token cannot be null");
        if (!COMPACT_JWS.matcher(token).matches()) {
            // RFC 7515 §7.1: base64url without padding; Nimbus would also decode '+', '/' and '=', so one token would have many spellings
            LOG.debug("rejected an access token that is not a JWS in compact serialization");
            throw new BearerTokenException(BearerTokenError.invalidToken(TOKEN_INVALID));
        }
        KeyLookup lookup = new KeyLookup();
        try {
            return toUser(this.processor.process(token, lookup));
        } catch (KeySourceException ex) {
            throw new KeySourceUnavailableException("the token signing keys are unavailable", ex);
        } catch (ExpiredJWTException ex) {
            LOG.debug("rejected an expired access token");
            throw new BearerTokenException(BearerTokenError.invalidToken(TOKEN_EXPIRED));
        } catch (ParseException | BadJOSEException | JOSEException ex) {
            if (lookup.servedDuringOutage() && lookup.noKeyFound()) {
                // the keys at hand are from before the outage: a key Keycloak added since cannot be told from a made-up one
                throw new KeySourceUnavailableException("no key matches and the JWKS cannot be refreshed", lookup.outageCause());
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("rejected an access token: {}", loggable(ex.getMessage()));
            }
            throw new BearerTokenException(BearerTokenError.invalidToken(TOKEN_INVALID));
        }
    }

    /**
     * The realm's keys from its JWKS endpoint: cached for {@code cacheTimeToLive}, refetched for an unknown {@code kid} at most
     * every 30 seconds (half the cache lifetime if that is shorter, as Nimbus requires), and kept for
     * {@link #JWKS_OUTAGE_TOLERANCE} when the endpoint fails.
     *
     * <p>An unknown {@code kid} within 30 seconds of the last refetch is unknown for good if that refetch succeeded: the JWKS
     * is current, so the token is refused as invalid rather than left undecided (a forger spraying made-up key ids gets
     * 401s, not 503s). Only when the last fetch failed is it undecidable, a 503.
     */
    public static JWKSource<KeyLookup> remoteKeySource(URI jwksUrl, Duration cacheTimeToLive) {
        Objects.requireNonNull(jwksUrl, "jwksUrl cannot be null");
        FetchRecordingRetriever retriever = new FetchRecordingRetriever(new DefaultResourceRetriever(
                JWKS_CONNECT_TIMEOUT_MILLIS, JWKS_READ_TIMEOUT_MILLIS, JWKS_SIZE_LIMIT_BYTES));
        JWKSource<KeyLookup> keys;
        try {
            // no refresh-ahead: it would start a background thread per verifier to save one fetch every five minutes
            keys = JWKSourceBuilder.<KeyLookup>create(jwksUrl.toURL(), retriever)
                    .cache(cacheTimeToLive.toMillis(), JWKS_CACHE_REFRESH_TIMEOUT.toMillis())
                    .refreshAheadCache(false)
                    .rateLimited(Math.min(JWKS_REFETCH_MIN_INTERVAL.toMillis(), cacheTimeToLive.toMillis() / 2))
                    .outageTolerant(JWKS_OUTAGE_TOLERANCE.toMillis(), JwtVerifier::onOutage)
                    .build();
        } catch (MalformedURLException ex) {
            throw new IllegalArgumentException("jwksUrl must be a URL, got " + jwksUrl, ex);
        }
        return (selector, lookup) -> {
            try {
                return keys.get(selector, lookup);
            } catch (RateLimitReachedException ex) {
                if (!retriever.lastFetchSucceeded()) {
                    throw ex;
                }
                LOG.debug("no key matches and the JWKS was fetched moments ago");
                return List.of();
            }
        };
    }

    private static void onOutage(Event<OutageTolerantJWKSetSource<KeyLookup>, KeyLookup> event) {
        if (event instanceof OutageTolerantJWKSetSource.OutageEvent<KeyLookup> outage && event.getContext() != null) {
            KeyLookup lookup = event.getContext();
            lookup.outage(outage.getException());
            LOG.warn("using the signing keys fetched before Keycloak became unreachable ({} s left): {}",
                    outage.getRemainingTime() / 1000, String.valueOf(outage.getException()));
        }
    }

    private AuthenticatedUser toUser(JWTClaimsSet claims) throws ParseException, BadJWTException {
        return new AuthenticatedUser(
                claims.getSubject(),
                claims.getStringClaim("preferred_username"),
                claims.getStringClaim("email"),
                claims.getStringClaim("name"),
                clientRoles(claims.getJSONObjectClaim("resource_access")),
                claims.getExpirationTime().toInstant(),
                AccessTokenClaimsVerifier.dpopKeyThumbprint(claims));
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

    /** Remembers whether the last JWKS fetch brought a usable key set. */
    private static final class FetchRecordingRetriever implements ResourceRetriever {

        private final ResourceRetriever delegate;
        private volatile boolean lastFetchSucceeded;

        FetchRecordingRetriever(ResourceRetriever delegate) {
            this.delegate = delegate;
        }

        @Override
        public Resource retrieveResource(URL url) throws IOException {
            this.lastFetchSucceeded = false;
            Resource resource = this.delegate.retrieveResource(url);
            try {
                JWKSet.parse(resource.getContent());
                this.lastFetchSucceeded = true;
            } catch (ParseException ex) {
                // Nimbus refuses it just the same a moment later; only the record is kept here
            }
            return resource;
        }

        boolean lastFetchSucceeded() {
            return this.lastFetchSucceeded;
        }
    }

    /** One token's key lookup: tells whether the keys it was checked against were served from the outage store. */
    public static final class KeyLookup implements SecurityContext {

        private volatile Exception outageCause;
        private volatile boolean noKeyFound;

        <K> List<K> found(List<K> keys) {
            this.noKeyFound = keys.isEmpty();
            return keys;
        }

        boolean noKeyFound() {
            return this.noKeyFound;
        }

        void outage(Exception cause) {
            this.outageCause = cause;
        }

        boolean servedDuringOutage() {
            return this.outageCause != null;
        }

        Exception outageCause() {
            return this.outageCause;
        }
    }
}
