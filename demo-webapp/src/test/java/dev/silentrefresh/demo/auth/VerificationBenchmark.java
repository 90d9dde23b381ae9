package dev.silentrefresh.demo.auth;

import static dev.silentrefresh.demo.testing.TokenIssuer.accessTokenClaims;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;

import dev.silentrefresh.demo.DemoConfig;
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
 * What the verified-token cache saves: one RS256 access token, checked by the real {@link JwtVerifier} (JWKS already
 * fetched from a local endpoint, so only parsing, signature and claims are measured) and looked up in
 * {@link VerifiedTokenCache} (SHA-256 of the token and a map lookup).
 *
 * <p>Run: {@code ./mvnw -B -q -pl demo-webapp -am -Pbench -DskipTests test}; see the {@code bench} profile.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VerificationBenchmark {

    private JwksServer jwks;
    private JwtVerifier jwtVerifier;
    private VerifiedTokenCache cache;
    private String token;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        TokenIssuer keycloak = TokenIssuer.withNewKey("benchmark-key");
        this.jwks = JwksServer.start(keycloak.jwkSet());
        DemoConfig config = TestApp.configFor(this.jwks);
        Clock clock = Clock.systemUTC();
        this.jwtVerifier = new JwtVerifier(config.jwksUrl(), config.issuer(), config.audience(), config.jwtAlgorithms(),
                config.clockSkew(), clock);
        this.cache = new VerifiedTokenCache(this.jwtVerifier, clock, config.clockSkew(), VerifiedTokenCache.DEFAULT_MAX_ENTRIES);
        // long enough for any run; both paths see the same token, as a page sends it
        this.token = keycloak.sign(accessTokenClaims(Instant.now(), "alice", "reader")
                .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1)))).build());
        this.jwtVerifier.verify(this.token);
        this.cache.verify(this.token);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        this.jwks.close();
    }

    @Benchmark
    public AuthenticatedUser verifyWithJwtVerifier() throws Exception {
        return this.jwtVerifier.verify(this.token);
    }

    @Benchmark
    public AuthenticatedUser verifyWithCache() throws Exception {
        return this.cache.verify(this.token);
    }
}
