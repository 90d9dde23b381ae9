package dev.silentrefresh.demo.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers tokens that passed verification, so a token is checked once and not on every request it is sent with.
 *
 * <p>An RS256 signature check costs tens of microseconds, as much as Jetty spends on a whole request; a page that calls
 * the API a few times a minute with the same token would otherwise pay it every time.
 *
 * <ul>
 *     <li>The key is the SHA-256 of the token, so the cache holds no usable token.</li>
 *     <li>An entry lives until the token's {@code exp} plus the clock skew, and never longer than
 *     {@link #MAX_TIME_TO_LIVE}, the JWKS cache lifetime: a key Keycloak withdraws stops being honoured for cached tokens
 *     about as soon as for new ones.</li>
 *     <li>Every hit re-checks that lifetime against the clock; an expired entry is dropped and the token goes back to the
 *     verifier, which gives the usual {@code invalid_token} answer.</li>
 *     <li>At most {@code maxEntries} entries; the oldest are evicted first.</li>
 *     <li>Failures are not cached: a bad token costs a verification every time, as it would without the cache.</li>
 * </ul>
 */
public final class VerifiedTokenCache implements AccessTokenVerifier {

    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    public static final Duration MAX_TIME_TO_LIVE = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(VerifiedTokenCache.class);

    private final AccessTokenVerifier delegate;
    private final Clock clock;
    private final Duration clockSkew;
    private final Map<String, Entry> entries;

    /**
     * @param delegate   the verifier that checks tokens not yet in the cache
     * @param clock      the clock entries expire by; the delegate should use the same one
     * @param clockSkew  the leeway the delegate allows after {@code exp}
     * @param maxEntries how many verified tokens to remember at most
     */
    public VerifiedTokenCache(AccessTokenVerifier delegate, Clock clock, Duration clockSkew, int maxEntries) {
        this.delegate = Objects.requireNonNull(delegate, "delegate cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew cannot be null");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        this.entries = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxEntries;
            }
        };
    }

    @Override
    public AuthenticatedUser verify(String token) throws BearerTokenException, KeySourceUnavailableException {
        String key = sha256(Objects.requireNonNull(token, "token cannot be null"));
        Instant now = this.clock.instant();
        synchronized (this.entries) {
            Entry entry = this.entries.get(key);
            if (entry != null && now.isBefore(entry.expiresAt())) {
                LOG.trace("found the access token among the verified tokens");
                return entry.user();
            }
            if (entry != null) {
                this.entries.remove(key);
            }
        }
        AuthenticatedUser user = this.delegate.verify(token);
        Instant expiresAt = earliest(user.expiresAt().plus(this.clockSkew), now.plus(MAX_TIME_TO_LIVE));
        synchronized (this.entries) {
            removeExpiredOldest(now);
            this.entries.put(key, new Entry(user, expiresAt));
        }
        return user;
    }

    /** How many verified tokens are remembered right now. */
    int size() {
        synchronized (this.entries) {
            return this.entries.size();
        }
    }

    // entries are in insertion order, which for tokens of one lifespan is also expiry order: stop at the first live one
    private void removeExpiredOldest(Instant now) {
        Iterator<Entry> oldestFirst = this.entries.values().iterator();
        while (oldestFirst.hasNext() && !now.isBefore(oldestFirst.next().expiresAt())) {
            oldestFirst.remove();
        }
    }

    private static Instant earliest(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static String sha256(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", ex);
        }
    }

    private record Entry(AuthenticatedUser user, Instant expiresAt) {
    }
}
