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

import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProofUse;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import com.nimbusds.oauth2.sdk.util.singleuse.SingleUseChecker;

/**
 * Remembers the {@code jti} of every DPoP proof accepted within the proof lifetime, so no proof is accepted twice
 * (RFC 9449 §11.1), in bounded memory.
 *
 * <p>Nimbus' own {@code InMemoryDPoPSingleUseChecker} has no size limit; this one holds at most {@code maxEntries}. Entries
 * are keyed by the SHA-256 of the proof key's thumbprint and the {@code jti}, so one client cannot use up another's
 * {@code jti} values, and a long {@code jti} costs no more memory than a short one. An entry is dropped once a proof with its
 * {@code iat} would be refused as too old anyway. When the cache is full of live entries, new proofs are refused with
 * {@link ReplayCacheFullException} (answered with 503) rather than forgetting a live {@code jti}, which would let a replay
 * through.
 */
public final class DpopReplayCache implements SingleUseChecker<DPoPProofUse> {

    public static final int DEFAULT_MAX_ENTRIES = 100_000;

    private final Clock clock;
    private final Duration lifetime;
    private final int maxEntries;
    private final Map<String, Instant> entries = new LinkedHashMap<>();

    /**
     * @param clock      the clock entries expire by
     * @param lifetime   how long a {@code jti} is remembered: at least the longest a proof is accepted for
     * @param maxEntries how many {@code jti} values to remember at most
     */
    public DpopReplayCache(Clock clock, Duration lifetime, int maxEntries) {
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime cannot be null");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    @Override
    public void markAsUsed(DPoPProofUse use) throws AlreadyUsedException {
        String key = sha256(use.getIssuer().getValue() + ' ' + use.getJWTID().getValue());
        Instant now = this.clock.instant();
        synchronized (this.entries) {
            removeExpired(now);
            if (this.entries.containsKey(key)) {
                throw new AlreadyUsedException("Detected DPoP proof replay");
            }
            if (this.entries.size() >= this.maxEntries) {
                throw new ReplayCacheFullException();
            }
            this.entries.put(key, now.plus(this.lifetime));
        }
    }

    /** How many {@code jti} values are remembered right now. */
    int size() {
        synchronized (this.entries) {
            return this.entries.size();
        }
    }

    // every entry lives equally long, so insertion order is expiry order: stop at the first live one
    private void removeExpired(Instant now) {
        Iterator<Instant> oldestFirst = this.entries.values().iterator();
        while (oldestFirst.hasNext() && !now.isBefore(oldestFirst.next())) {
            oldestFirst.remove();
        }
    }

    private static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", ex);
        }
    }

    /** The cache holds {@code maxEntries} live proofs: a flood, or a limit set too low for the traffic. */
    public static final class ReplayCacheFullException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        ReplayCacheFullException() {
            super("the DPoP replay cache is full");
        }
    }
}
