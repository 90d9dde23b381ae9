package dev.silentrefresh.demo.auth;

import static dev.silentrefresh.demo.testing.TestApp.header;
import static dev.silentrefresh.demo.testing.TokenIssuer.accessTokenClaims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProofUse;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.DemoServer;
import dev.silentrefresh.demo.testing.DpopProver;
import dev.silentrefresh.demo.testing.JwksServer;
import dev.silentrefresh.demo.testing.MutableClock;
import dev.silentrefresh.demo.testing.TestApp;
import dev.silentrefresh.demo.testing.TokenIssuer;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DPoP at the resource server (RFC 9449 §7) with real signed access tokens and real signed proofs against the real app: a
 * token bound to a key ({@code cnf.jkt}) passes only with the {@code DPoP} scheme and a proof of that key for this very
 * request, made just now and never before.
 */
class DpopFilterTest {

    private static final String ALGS = "algs=\"ES256 PS256 RS256\"";
    private static final String INVALID_PROOF = "DPoP realm=\"demo-api\", " + ALGS + ", error=\"invalid_dpop_proof\", "
            + "error_description=\"The DPoP proof is invalid\"";
    private static final String PROOF_NOT_FOR_TOKEN = "DPoP realm=\"demo-api\", " + ALGS + ", error=\"invalid_dpop_proof\", "
            + "error_description=\"The DPoP proof does not match the access token\"";

    private static TokenIssuer keycloak;
    private static DpopProver browserKey;
    private static DpopProver otherKey;

    @TempDir
    Path staticFiles;

    private MutableClock clock;
    private JwksServer jwks;
    private TestApp app;

    @BeforeAll
    static void generateKeys() {
        keycloak = TokenIssuer.withNewKey("realm-key-1");
        browserKey = DpopProver.withNewKey(JWSAlgorithm.ES256);
        otherKey = DpopProver.withNewKey(JWSAlgorithm.ES256);
    }

    @BeforeEach
    void startApp() throws Exception {
        this.clock = MutableClock.atCurrentSecond();
        this.jwks = JwksServer.start(keycloak.jwkSet());
        this.app = TestApp.start(TestApp.configFor(this.jwks), this.clock, this.staticFiles);
    }

    @AfterEach
    void stopApp() {
        this.app.close();
        this.jwks.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ES256", "PS256", "RS256"})
    void doFilterWhenBoundTokenWithProofOfItsKeyThenAccepted(String algorithm) throws Exception {
        DpopProver key = DpopProver.withNewKey(JWSAlgorithm.parse(algorithm));
        String token = boundToken(key, "reader");

        HttpResponse<String> response = getWithDpop("/api/data", token, key.proof("GET", this.app.uri("/api/data"), token));

        assertEquals(200, response.statusCode(), response.body());
    }

    @Test
    void doFilterWhenEveryRequestHasAFreshProofThenEachIsAccepted() throws Exception {
        String token = boundToken(browserKey);

        for (int i = 0; i < 3; i++) {
            assertEquals(200, getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/me"), token)).statusCode());
        }
    }

    @Test
    void doFilterWhenProofIsReplayedThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);
        String proof = browserKey.proof("GET", this.app.uri("/api/me"), token);
        assertEquals(200, getWithDpop("/api/me", token, proof).statusCode());

        HttpResponse<String> replay = getWithDpop("/api/me", token, proof);

        assertEquals(401, replay.statusCode());
        assertEquals(INVALID_PROOF, header(replay, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenBoundTokenIsSentAsBearerThenRefusedWithDpopChallenge() throws Exception {
        HttpResponse<String> response = this.app.getWithToken("/api/me", boundToken(browserKey));

        assertEquals(401, response.statusCode());
        assertEquals("DPoP realm=\"demo-api\", " + ALGS + ", error=\"invalid_token\", error_description=\"The access token is bound "
                + "to a DPoP key; send it with the DPoP scheme and a proof\"", header(response, "WWW-Authenticate"));
        assertEquals("no-store", header(response, "Cache-Control"));
    }

    @Test
    void doFilterWhenUnboundTokenIsSentWithDpopSchemeThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        HttpResponse<String> response = getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/me"), token));

        assertEquals(401, response.statusCode());
        assertEquals("DPoP realm=\"demo-api\", " + ALGS + ", error=\"invalid_token\", "
                + "error_description=\"The access token is not bound to a DPoP key\"", header(response, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenBearerTokenComesWithADpopProofThenInvalidRequest() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice").build());

        HttpResponse<String> response = this.app.get("/api/me", "Authorization", "Bearer " + token,
                "DPoP", browserKey.proof("GET", this.app.uri("/api/me"), token));

        assertEquals(400, response.statusCode());
        assertEquals("Bearer realm=\"demo-api\", error=\"invalid_request\", "
                + "error_description=\"A DPoP proof was sent with a Bearer token\"", header(response, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenDpopTokenHasNoProofThenInvalidDpopProof() throws Exception {
        HttpResponse<String> response = this.app.get("/api/me", "Authorization", "DPoP " + boundToken(browserKey));

        assertEquals(401, response.statusCode());
        assertEquals("DPoP realm=\"demo-api\", " + ALGS + ", error=\"invalid_dpop_proof\", "
                + "error_description=\"A DPoP access token needs a DPoP proof\"", header(response, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenTwoProofsThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);
        URI uri = this.app.uri("/api/me");

        HttpResponse<String> response = this.app.get("/api/me", "Authorization", "DPoP " + token,
                "DPoP", browserKey.proof("GET", uri, token), "DPoP", browserKey.proof("GET", uri, token));

        assertEquals(401, response.statusCode());
        assertEquals("DPoP realm=\"demo-api\", " + ALGS + ", error=\"invalid_dpop_proof\", "
                + "error_description=\"Found multiple DPoP proofs in the request\"", header(response, "WWW-Authenticate"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-jwt", "a.b", "a.b.c.d.e", "eyJhbGciOiJub25lIn0.eyJodG0iOiJHRVQifQ.", "a b.c.d"})
    void doFilterWhenProofIsMalformedThenInvalidDpopProof(String proof) throws Exception {
        HttpResponse<String> response = getWithDpop("/api/me", boundToken(browserKey), proof);

        assertEquals(401, response.statusCode());
        assertTrue(header(response, "WWW-Authenticate").startsWith("DPoP realm=\"demo-api\", " + ALGS + ", error=\"invalid_dpop_proof\""));
    }

    @Test
    void doFilterWhenProofIsForAnotherMethodThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);

        assertInvalidProof(getWithDpop("/api/me", token, browserKey.proof("POST", this.app.uri("/api/me"), token)));
    }

    @Test
    void doFilterWhenProofIsForAnotherPathThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);

        assertInvalidProof(getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/data"), token)));
    }

    @Test
    void doFilterWhenProofIsForAnotherHostThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);

        assertInvalidProof(getWithDpop("/api/me", token, browserKey.proof("GET", URI.create("https://api.example.org/api/me"), token)));
    }

    @Test
    void doFilterWhenRequestHasAQueryThenProofNamesTheUriWithoutIt() throws Exception {
        String token = boundToken(browserKey);

        HttpResponse<String> response = getWithDpop("/api/me?page=2", token, browserKey.proof("GET", this.app.uri("/api/me"), token));

        assertEquals(200, response.statusCode());
    }

    @Test
    void doFilterWhenProofIsTooOldThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);
        Date twoMinutesAgo = Date.from(Instant.now().minus(Duration.ofMinutes(2)));

        assertInvalidProof(getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/me"), token,
                header -> header, claims -> claims.issueTime(twoMinutesAgo))));
    }

    @Test
    void doFilterWhenProofIsFromTheFutureThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);
        Date inAMinute = Date.from(Instant.now().plus(Duration.ofMinutes(1)));

        assertInvalidProof(getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/me"), token,
                header -> header, claims -> claims.issueTime(inAMinute))));
    }

    @Test
    void doFilterWhenProofHasNoJtiThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);

        assertInvalidProof(getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/me"), token,
                header -> header, claims -> claims.jwtID(null))));
    }

    @Test
    void doFilterWhenProofIsForAnotherAccessTokenThenRefused() throws Exception {
        String token = boundToken(browserKey);
        String otherToken = boundToken(browserKey);

        HttpResponse<String> response = getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/me"), otherToken));

        assertEquals(401, response.statusCode());
        assertEquals(PROOF_NOT_FOR_TOKEN, header(response, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenProofHasNoAccessTokenHashThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);

        assertInvalidProof(getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/me"), null)));
    }

    @Test
    void doFilterWhenProofIsSignedByAnotherKeyThanTheTokenIsBoundToThenRefused() throws Exception {
        String token = boundToken(browserKey);

        HttpResponse<String> response = getWithDpop("/api/me", token, otherKey.proof("GET", this.app.uri("/api/me"), token));

        assertEquals(401, response.statusCode());
        assertEquals(PROOF_NOT_FOR_TOKEN, header(response, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenProofHeaderKeyIsNotTheSigningKeyThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);

        // signed by another key, claiming the bound key in its header: the signature does not hold
        assertInvalidProof(getWithDpop("/api/me", token, otherKey.proof("GET", this.app.uri("/api/me"), token,
                header -> header.jwk(browserKey.privateKey().toPublicJWK()), claims -> claims)));
    }

    @Test
    void doFilterWhenProofTypeIsNotDpopJwtThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);

        assertInvalidProof(getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/me"), token,
                header -> header.type(JOSEObjectType.JWT), claims -> claims)));
    }

    @Test
    void doFilterWhenProofCarriesThePrivateKeyThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);
        JWK privateKey = browserKey.privateKey();

        assertInvalidProof(getWithDpop("/api/me", token, withHeaderJwk(browserKey.proof("GET", this.app.uri("/api/me"), token),
                privateKey)));
    }

    @Test
    void doFilterWhenProofIsSignedAgainWithThePublicKeyInItsHeaderThenAccepted() throws Exception {
        String token = boundToken(browserKey);

        // the control for the test above: re-signing alone does not make a proof invalid
        assertEquals(200, getWithDpop("/api/me", token, withHeaderJwk(browserKey.proof("GET", this.app.uri("/api/me"), token),
                browserKey.privateKey().toPublicJWK())).statusCode());
    }

    @Test
    void doFilterWhenProofAlgorithmIsNotAllowedThenInvalidDpopProof() throws Exception {
        DpopProver es384 = DpopProver.withNewKey(JWSAlgorithm.ES384);
        String token = boundToken(es384);

        assertInvalidProof(getWithDpop("/api/me", token, es384.proof("GET", this.app.uri("/api/me"), token)));
    }

    @Test
    void doFilterWhenProofIsHmacSignedThenInvalidDpopProof() throws Exception {
        String token = boundToken(browserKey);
        JWTClaimsSet claims = new JWTClaimsSet.Builder().jwtID("j1").claim("htm", "GET").claim("htu", this.app.uri("/api/me").toString())
                .issueTime(new Date()).claim("ath", DpopProver.ath(token)).build();
        SignedJWT proof = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(new JOSEObjectType("dpop+jwt"))
                .jwk(browserKey.privateKey().toPublicJWK()).build(), claims);
        proof.sign(new MACSigner(new byte[32]));

        assertInvalidProof(getWithDpop("/api/me", token, proof.serialize()));
    }

    @Test
    void doFilterWhenTokenTypeIsDpopWithoutConfirmationThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice").claim("typ", "DPoP").build());

        HttpResponse<String> response = getWithDpop("/api/me", token, browserKey.proof("GET", this.app.uri("/api/me"), token));

        assertEquals(401, response.statusCode());
        assertTrue(header(response, "WWW-Authenticate").contains("error=\"invalid_token\""));
    }

    @Test
    void doFilterWhenConfirmationIsNotAJwkThumbprintThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice")
                .claim("cnf", Map.of("x5t#S256", "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2")).build());

        HttpResponse<String> response = this.app.getWithToken("/api/me", token);

        assertEquals(401, response.statusCode());
        assertTrue(header(response, "WWW-Authenticate").contains("error=\"invalid_token\""));
    }

    @Test
    void doFilterWhenNoTokenThenBothSchemesAreOffered() throws Exception {
        HttpResponse<String> response = this.app.get("/api/me");

        assertEquals(401, response.statusCode());
        assertEquals(List.of("Bearer realm=\"demo-api\"", "DPoP realm=\"demo-api\", " + ALGS),
                response.headers().allValues("WWW-Authenticate"));
    }

    @Test
    void doFilterWhenBoundTokenLacksTheRoleThenInsufficientScopeWithDpopChallenge() throws Exception {
        String token = boundToken(browserKey);

        HttpResponse<String> response = getWithDpop("/api/data", token, browserKey.proof("GET", this.app.uri("/api/data"), token));

        assertEquals(403, response.statusCode());
        assertEquals("DPoP realm=\"demo-api\", " + ALGS + ", error=\"insufficient_scope\", "
                + "error_description=\"The access token lacks the client role reader\", scope=\"reader\"",
                header(response, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenBehindAReverseProxyThenProofNamesTheExternalUrl() throws Exception {
        DemoConfig config = TestApp.configFor(this.jwks);
        DpopSettings behindProxy = DpopSettings.defaults().withExternalBaseUrl(URI.create("https://app.example.org"));
        Server proxied = DemoServer.newServer(0, config, this.staticFiles.toUri(), DemoServer.newAccessTokenVerifier(config, this.clock),
                this.clock, behindProxy);
        proxied.start();
        try (TestApp app = TestApp.of(proxied)) {
            String token = boundToken(browserKey);

            URI external = URI.create("https://app.example.org/api/me");
            assertEquals(200, app.send(HttpRequest.newBuilder(app.uri("/api/me")).header("Authorization", "DPoP " + token)
                    .header("DPoP", browserKey.proof("GET", external, token))).statusCode());
            assertInvalidProof(app.send(HttpRequest.newBuilder(app.uri("/api/me")).header("Authorization", "DPoP " + token)
                    .header("DPoP", browserKey.proof("GET", app.uri("/api/me"), token))));
        }
    }

    @Test
    void replayCacheWhenFullOfLiveProofsThenRefusesRatherThanForgets() throws Exception {
        MutableClock cacheClock = MutableClock.atCurrentSecond();
        DpopReplayCache cache = new DpopReplayCache(cacheClock, Duration.ofSeconds(65), 2);
        cache.markAsUsed(use("a"));
        cache.markAsUsed(use("b"));

        assertThrows(AlreadyUsedException.class, () -> cache.markAsUsed(use("a")));
        assertThrows(DpopReplayCache.ReplayCacheFullException.class, () -> cache.markAsUsed(use("c")));

        cacheClock.advance(Duration.ofSeconds(65));
        cache.markAsUsed(use("c"));
        assertEquals(1, cache.size());
    }

    @Test
    void replayCacheWhenSameJtiFromAnotherKeyThenBothAccepted() throws Exception {
        DpopReplayCache cache = new DpopReplayCache(Clock.systemUTC(), Duration.ofSeconds(65), 10);

        cache.markAsUsed(new DPoPProofUse(new DPoPIssuer("key-a"), new JWTID("same"), 60));
        cache.markAsUsed(new DPoPProofUse(new DPoPIssuer("key-b"), new JWTID("same"), 60));

        assertEquals(2, cache.size());
    }

    private static DPoPProofUse use(String jti) {
        return new DPoPProofUse(new DPoPIssuer("key"), new JWTID(jti), 60);
    }

    private String boundToken(DpopProver key, String... roles) {
        return keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", roles).claim("typ", "DPoP")
                .claim("cnf", Map.of("jkt", key.thumbprint())).build());
    }

    private HttpResponse<String> getWithDpop(String pathAndQuery, String token, String proof) throws Exception {
        return this.app.get(pathAndQuery, "Authorization", "DPoP " + token, "DPoP", proof);
    }

    // the same proof with another jwk in its header, signed again so that only the jwk is wrong
    private static String withHeaderJwk(String proof, JWK jwk) throws Exception {
        SignedJWT parsed = SignedJWT.parse(proof);
        Map<String, Object> header = parsed.getHeader().toJSONObject();
        header.put("jwk", jwk.toJSONObject());
        String signingInput = Base64URL.encode(JSONObjectUtils.toJSONString(header)) + "." + proof.split("\\.")[1];
        Base64URL signature = new ECDSASigner(browserKey.privateKey().toECKey())
                .sign(parsed.getHeader(), signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + signature;
    }

    private static void assertInvalidProof(HttpResponse<String> response) {
        assertEquals(401, response.statusCode(), response.body());
        assertEquals(INVALID_PROOF, header(response, "WWW-Authenticate"));
        assertEquals("{\"error\":\"invalid_dpop_proof\",\"error_description\":\"The DPoP proof is invalid\"}", response.body());
    }

}
