package dev.silentrefresh.demo.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.silentrefresh.demo.testing.MutableClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VerifiedTokenCacheTest {

    private static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

    private final MutableClock clock = MutableClock.atCurrentSecond();
    private final Map<String, AuthenticatedUser> validTokens = new HashMap<>();
    private final List<String> verified = new ArrayList<>();
    private final AccessTokenVerifier delegate = token -> {
        this.verified.add(token);
        AuthenticatedUser user = this.validTokens.get(token);
        if (user == null || !this.clock.instant().isBefore(user.expiresAt().plus(CLOCK_SKEW))) {
            throw new BearerTokenException(BearerTokenError.invalidToken("The access token is invalid"));
        }
        return user;
    };

    private VerifiedTokenCache cache;

    @BeforeEach
    void createCache() {
        this.cache = new VerifiedTokenCache(this.delegate, this.clock, CLOCK_SKEW, 3);
    }

    @Test
    void verifyWhenSameTokenTwiceThenDelegateVerifiesOnce() throws Exception {
        AuthenticatedUser alice = validToken("token-a", Duration.ofSeconds(60));

        assertSame(alice, this.cache.verify("token-a"));
        assertSame(alice, this.cache.verify("token-a"));

        assertEquals(List.of("token-a"), this.verified);
    }

    @Test
    void verifyWhenExpiredWithinClockSkewThenStillCached() throws Exception {
        validToken("token-a", Duration.ofSeconds(60));
        this.cache.verify("token-a");

        this.clock.advance(Duration.ofSeconds(64));
        this.cache.verify("token-a");

        assertEquals(1, this.verified.size());
    }

    @Test
    void verifyWhenExpiredBeyondClockSkewThenDelegateRefuses() throws Exception {
        validToken("token-a", Duration.ofSeconds(60));
        this.cache.verify("token-a");

        this.clock.advance(Duration.ofSeconds(65));

        assertThrows(BearerTokenException.class, () -> this.cache.verify("token-a"));
        assertEquals(2, this.verified.size());
        assertEquals(0, this.cache.size());
    }

    @Test
    void verifyWhenTokenOutlivesMaxTimeToLiveThenVerifiedAgain() throws Exception {
        validToken("token-a", Duration.ofHours(10));
        this.cache.verify("token-a");

        this.clock.advance(VerifiedTokenCache.MAX_TIME_TO_LIVE.minusSeconds(1));
        this.cache.verify("token-a");
        this.clock.advance(Duration.ofSeconds(1));
        this.cache.verify("token-a");

        assertEquals(2, this.verified.size());
    }

    @Test
    void verifyWhenDelegateRefusesThenNothingIsCached() {
        assertThrows(BearerTokenException.class, () -> this.cache.verify("forged"));
        assertThrows(BearerTokenException.class, () -> this.cache.verify("forged"));

        assertEquals(2, this.verified.size());
        assertEquals(0, this.cache.size());
    }

    @Test
    void verifyWhenFullThenOldestIsEvicted() throws Exception {
        for (String token : List.of("token-a", "token-b", "token-c", "token-d")) {
            validToken(token, Duration.ofSeconds(60));
            this.cache.verify(token);
        }
        assertEquals(3, this.cache.size());

        this.cache.verify("token-d");
        this.cache.verify("token-a");

        assertEquals(List.of("token-a", "token-b", "token-c", "token-d", "token-a"), this.verified);
    }

    @Test
    void verifyWhenOldestEntriesExpiredThenTheyAreDroppedOnTheNextInsert() throws Exception {
        validToken("token-a", Duration.ofSeconds(10));
        validToken("token-b", Duration.ofSeconds(10));
        this.cache.verify("token-a");
        this.cache.verify("token-b");

        this.clock.advance(Duration.ofSeconds(20));
        validToken("token-c", Duration.ofSeconds(60));
        this.cache.verify("token-c");

        assertEquals(1, this.cache.size());
    }

    @Test
    void verifyWhenKeySourceUnavailableThenPropagatesAndCachesNothing() {
        VerifiedTokenCache failing = new VerifiedTokenCache(token -> {
            throw new KeySourceUnavailableException("the token signing keys are unavailable", null);
        }, this.clock, CLOCK_SKEW, 3);

        assertThrows(KeySourceUnavailableException.class, () -> failing.verify("token-a"));
        assertEquals(0, failing.size());
    }

    @Test
    void constructorWhenArgumentsAreMissingThenNamesThem() {
        assertEquals("delegate cannot be null", assertThrows(NullPointerException.class,
                () -> new VerifiedTokenCache(null, this.clock, CLOCK_SKEW, 1)).getMessage());
        assertEquals("clock cannot be null", assertThrows(NullPointerException.class,
                () -> new VerifiedTokenCache(this.delegate, null, CLOCK_SKEW, 1)).getMessage());
        assertEquals("maxEntries must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new VerifiedTokenCache(this.delegate, this.clock, CLOCK_SKEW, 0)).getMessage());
    }

    private AuthenticatedUser validToken(String token, Duration lifetime) {
        Instant expiresAt = this.clock.instant().plus(lifetime);
        AuthenticatedUser user = new AuthenticatedUser("sub-" + token, token, null, null, Set.of(), expiresAt);
        this.validTokens.put(token, user);
        return user;
    }
}
