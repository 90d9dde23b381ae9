package dev.silentrefresh.benchmarks.filter;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.auth.AuthenticatedUser;
import dev.silentrefresh.demo.auth.JwtVerifier;
import dev.silentrefresh.demo.auth.VerifiedTokenCache;
import dev.silentrefresh.demo.testing.JwksServer;
import dev.silentrefresh.demo.testing.TestApp;
import dev.silentrefresh.demo.testing.TokenIssuer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The filter's verification paths against the floor, one RS256 access token as Keycloak signs them (2048-bit key):
 * <ul>
 * <li>{@code rawNimbusRs256}: parse the JWT and check its signature with Nimbus, nothing else (the floor);</li>
 * <li>{@code jwtVerifier}: the filter's {@link JwtVerifier} (JWKS already fetched: key selection, algorithm allow-list,
 * signature, issuer, audience, expiry, claims to a user);</li>
 * <li>{@code cacheMiss}: the filter's cold path, {@link VerifiedTokenCache} with a token it does not hold (SHA-256 of the
 * token, the lookup, the verification above, the insert); two tokens take turns in a cache of one entry;</li>
 * <li>{@code cacheHit}: the warm path, what a token costs on every request after its first.</li>
 * </ul>
 * Moved here from demo-webapp's {@code VerificationBenchmark}, with the floor and the cold path added.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FilterVerificationBenchmark {

    private JwksServer jwks;
    private JwtVerifier jwtVerifier;
    private VerifiedTokenCache warmCache;
    private VerifiedTokenCache coldCache;
    private RSASSAVerifier rawVerifier;
    private String token;
    private String otherToken;
    private boolean flip;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        TokenIssuer keycloak = TokenIssuer.withNewKey("benchmark-key");
        this.jwks = JwksServer.start(keycloak.jwkSet());
        DemoConfig config = TestApp.configFor(this.jwks);
        Clock clock = Clock.systemUTC();
        this.jwtVerifier = new JwtVerifier(config.jwksUrl(), config.issuer(), config.audience(), config.jwtAlgorithms(),
                config.clockSkew(), clock);
        this.warmCache = new VerifiedTokenCache(this.jwtVerifier, clock, config.clockSkew(), VerifiedTokenCache.DEFAULT_MAX_ENTRIES);
        this.coldCache = new VerifiedTokenCache(this.jwtVerifier, clock, config.clockSkew(), 1);
        this.rawVerifier = new RSASSAVerifier(keycloak.publicKey());
        Instant now = Instant.now();
        this.token = keycloak.sign(TokenIssuer.accessTokenClaims(now, "alice", "reader")
                .expirationTime(Date.from(now.plus(Duration.ofHours(1)))).build());
        this.otherToken = keycloak.sign(TokenIssuer.accessTokenClaims(now, "bob")
                .expirationTime(Date.from(now.plus(Duration.ofHours(1)))).build());
        this.jwtVerifier.verify(this.token);
        this.warmCache.verify(this.token);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        this.jwks.close();
    }

    @Benchmark
    public boolean rawNimbusRs256() throws Exception {
        return SignedJWT.parse(this.token).verify(this.rawVerifier);
    }

    @Benchmark
    public AuthenticatedUser jwtVerifier() throws Exception {
        return this.jwtVerifier.verify(this.token);
    }

    @Benchmark
    public AuthenticatedUser cacheMiss() throws Exception {
        this.flip = !this.flip;
        return this.coldCache.verify(this.flip ? this.token : this.otherToken);
    }

    @Benchmark
    public AuthenticatedUser cacheHit() throws Exception {
        return this.warmCache.verify(this.token);
    }
}
