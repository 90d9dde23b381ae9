package dev.silentrefresh.demo.auth;

import static dev.silentrefresh.demo.testing.TestApp.header;
import static dev.silentrefresh.demo.testing.TestApp.json;
import static dev.silentrefresh.demo.testing.TokenIssuer.accessTokenClaims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.testing.JwksServer;
import dev.silentrefresh.demo.testing.MutableClock;
import dev.silentrefresh.demo.testing.TestApp;
import dev.silentrefresh.demo.testing.TokenIssuer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bearer-token filter inside the real app, over HTTP: every case of RFC 6750 §2.1 and §3 the API can meet. */
class BearerTokenFilterTest {

    private static final String BARE_CHALLENGE = "Bearer realm=\"demo-api\"";
    private static final String INVALID_TOKEN = "Bearer realm=\"demo-api\", error=\"invalid_token\", "
            + "error_description=\"The access token is invalid\"";
    private static final String EXPIRED_TOKEN = "Bearer realm=\"demo-api\", error=\"invalid_token\", "
            + "error_description=\"The access token expired\"";
    private static final String MALFORMED = "Bearer realm=\"demo-api\", error=\"invalid_request\", "
            + "error_description=\"The bearer token is malformed\"";

    private static TokenIssuer keycloak;
    private static TokenIssuer impostor;

    @TempDir
    Path staticFiles;

    private MutableClock clock;
    private JwksServer jwks;
    private TestApp app;
    private final AtomicInteger verifications = new AtomicInteger();

    @BeforeAll
    static void generateKeys() {
        keycloak = TokenIssuer.withNewKey("realm-key-1");
        // same kid as Keycloak's key, other key material: what a forger would send
        impostor = TokenIssuer.withNewKey("realm-key-1");
    }

    @BeforeEach
    void startApp() throws Exception {
        this.clock = MutableClock.atCurrentSecond();
        this.jwks = JwksServer.start(keycloak.jwkSet());
        DemoConfig config = TestApp.configFor(this.jwks);
        JwtVerifier jwtVerifier = new JwtVerifier(config.jwksUrl(), config.issuer(), config.audience(), config.jwtAlgorithms(),
                config.clockSkew(), this.clock);
        AccessTokenVerifier countingVerifier = token -> {
            this.verifications.incrementAndGet();
            return jwtVerifier.verify(token);
        };
        VerifiedTokenCache cache = new VerifiedTokenCache(countingVerifier, this.clock, config.clockSkew(), 100);
        this.app = TestApp.start(config, cache, this.clock, this.staticFiles);
    }

    @AfterEach
    void stopApp() {
        this.app.close();
        this.jwks.close();
    }

    @Test
    void doFilterWhenNoTokenThenBareChallenge() throws Exception {
        HttpResponse<String> response = this.app.get("/api/me");

        assertEquals(401, response.statusCode());
        assertEquals(BARE_CHALLENGE, header(response, "WWW-Authenticate"));
        assertEquals("{\"error_description\":\"An access token is required\"}", response.body());
        assertEquals("no-store", header(response, "Cache-Control"));
        assertTrue(header(response, "Content-Type").startsWith("application/json"));
    }

    @Test
    void doFilterWhenValidTokenThenMeShowsTheUser() throws Exception {
        Instant now = this.clock.instant();
        String token = keycloak.sign(accessTokenClaims(now, "alice", "reader").build());

        HttpResponse<String> response = this.app.getWithToken("/api/me", token);

        assertEquals(200, response.statusCode());
        assertEquals("no-store", header(response, "Cache-Control"));
        assertNull(header(response, "WWW-Authenticate"));
        JsonNode me = json(response);
        assertEquals("alice", me.get("username").asText());
        assertEquals("alice@example.org", me.get("email").asText());
        assertEquals("Alice Example", me.get("name").asText());
        assertEquals(accessTokenClaims(now, "alice").build().getSubject(), me.get("subject").asText());
        assertEquals("[\"reader\"]", me.get("roles").toString());
        assertEquals(now.getEpochSecond() + 60, me.get("tokenExpiresAt").asLong());
        assertEquals(60, me.get("tokenExpiresIn").asLong());
    }

    @Test
    void doFilterWhenTokenAgesThenExpiresInCountsDown() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());
        this.clock.advance(Duration.ofSeconds(45));

        HttpResponse<String> response = this.app.getWithToken("/api/me", token);

        assertEquals(200, response.statusCode());
        assertEquals(15, json(response).get("tokenExpiresIn").asLong());
    }

    @Test
    void doFilterWhenExpiredBeyondClockSkewThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant().minusSeconds(66), "alice", "reader").build());

        HttpResponse<String> response = this.app.getWithToken("/api/me", token);

        assertEquals(401, response.statusCode());
        assertEquals(EXPIRED_TOKEN, header(response, "WWW-Authenticate"));
        assertEquals("{\"error\":\"invalid_token\",\"error_description\":\"The access token expired\"}", response.body());
        assertEquals("no-store", header(response, "Cache-Control"));
    }

    @Test
    void doFilterWhenExpiredWithinClockSkewThenAccepted() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant().minusSeconds(63), "alice", "reader").build());

        HttpResponse<String> response = this.app.getWithToken("/api/me", token);

        assertEquals(200, response.statusCode());
        assertEquals(0, json(response).get("tokenExpiresIn").asLong());
    }

    @Test
    void doFilterWhenNotBeforeIsInTheFutureThenInvalidToken() throws Exception {
        Instant now = this.clock.instant();
        String token = keycloak.sign(accessTokenClaims(now, "alice", "reader").notBeforeTime(Date.from(now.plusSeconds(30))).build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenNotBeforeIsWithinClockSkewThenAccepted() throws Exception {
        Instant now = this.clock.instant();
        String token = keycloak.sign(accessTokenClaims(now, "alice", "reader").notBeforeTime(Date.from(now.plusSeconds(3))).build());

        assertEquals(200, this.app.getWithToken("/api/me", token).statusCode());
    }

    @Test
    void doFilterWhenIssuerIsAnotherRealmThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader")
                .issuer("http://localhost:8080/realms/master").build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenIssuerUsesAnotherHostNameThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader")
                .issuer("http://keycloak:8080/realms/demo").build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenAudienceIsAnotherApiThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").audience("account").build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenAudienceIsMissingThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").audience((String) null).build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenExpirationIsMissingThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").expirationTime(null).build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenSubjectIsMissingThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").subject(null).build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenUnsignedTokenWithAlgNoneThenInvalidToken() throws Exception {
        String token = new PlainJWT(accessTokenClaims(this.clock.instant(), "alice", "reader").build()).serialize();

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenHmacSignedWithThePublicKeyThenInvalidToken() throws Exception {
        // the algorithm-confusion attack: HS256 keyed with the RSA public key, which anyone can download from the JWKS
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).keyID(keycloak.keyId()).build();
        SignedJWT jwt = new SignedJWT(header, accessTokenClaims(this.clock.instant(), "alice", "reader").build());
        jwt.sign(new MACSigner(keycloak.publicKey().toRSAPublicKey().getEncoded()));

        assertInvalidToken(this.app.getWithToken("/api/me", jwt.serialize()));
    }

    @Test
    void doFilterWhenSignedByAnotherKeyWithTheRealmKeyIdThenInvalidToken() throws Exception {
        String token = impostor.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenSignedByAnotherKeyWithUnknownKeyIdThenInvalidToken() throws Exception {
        String token = impostor.withKeyId("unknown-key").sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenSignatureIsTamperedThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "bob").build());
        String[] parts = token.split("\\.");
        String adminPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                accessTokenClaims(this.clock.instant(), "bob", "reader").build().toString().getBytes(StandardCharsets.UTF_8));

        assertInvalidToken(this.app.getWithToken("/api/data", parts[0] + "." + adminPayload + "." + parts[2]));
    }

    @Test
    void doFilterWhenIdTokenThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").claim("typ", "ID").build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Refresh", "Offline", "bearer", "Logout"})
    void doFilterWhenPayloadTypeIsNotBearerThenInvalidToken(String type) throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").claim("typ", type).build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenPayloadTypeIsAbsentThenAccepted() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").claim("typ", null).build());

        assertEquals(200, this.app.getWithToken("/api/me", token).statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"JOSE", "id+jwt", "logout+jwt", "secevent+jwt"})
    void doFilterWhenHeaderTypeIsNotJwtThenInvalidToken(String type) throws Exception {
        JWSHeader header = keycloak.header().type(new JOSEObjectType(type)).build();
        String token = keycloak.sign(header, accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenHeaderTypeIsAtJwtThenAccepted() throws Exception {
        JWSHeader header = keycloak.header().type(new JOSEObjectType("at+jwt")).build();
        String token = keycloak.sign(header, accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        assertEquals(200, this.app.getWithToken("/api/me", token).statusCode());
    }

    @Test
    void doFilterWhenHeaderTypeIsAbsentThenAccepted() throws Exception {
        JWSHeader header = keycloak.header().type(null).build();
        String token = keycloak.sign(header, accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        assertEquals(200, this.app.getWithToken("/api/me", token).statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "garbage",
        "a.b.c",
        "a.b.c.d.e",
        "eyJhbGciOiJSUzI1NiJ9.e30.",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl",
        "e30.e30.c2lnbmF0dXJl",
        "eyJhbGciOiJSUzI1NiIsImNyaXQiOlsiZXhwIl0sImV4cCI6MX0.e30.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOiJ0b21vcnJvdyJ9.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.WzEsMl0.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
        "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d",
        "..",
        "/+/+"
    })
    void doFilterWhenTokenIsGarbageThenInvalidToken(String token) throws Exception {
        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenClaimHasTheWrongTypeThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").claim("preferred_username", 42).build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenResourceAccessIsNotAnObjectThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice").claim("resource_access", List.of("reader")).build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
    }

    @Test
    void doFilterWhenAudienceRolesHaveAnOddShapeThenNoRoles() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice")
                .claim("resource_access", Map.of("demo-api", Map.of("roles", "reader"))).build());

        HttpResponse<String> response = this.app.getWithToken("/api/data", token);

        assertEquals(403, response.statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer", "Bearer ", "Bearer  abc", "Bearer abc def", "Bearer ab@cd", "Bearer abc=def", "Bearer\tabc",
        "Bearer \"abc\"", "Bearer a,Bearer b", "Bearer ==="})
    void doFilterWhenBearerHeaderIsMalformedThenInvalidRequest(String authorization) throws Exception {
        HttpResponse<String> response = this.app.get("/api/me", "Authorization", authorization);

        assertEquals(400, response.statusCode());
        assertEquals(MALFORMED, header(response, "WWW-Authenticate"));
        assertEquals("{\"error\":\"invalid_request\",\"error_description\":\"The bearer token is malformed\"}", response.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic YWxpY2U6c2VjcmV0", "Negotiate abc", "Bearerabc", "DPoPabc"})
    void doFilterWhenAnotherSchemeThenBareChallenge(String authorization) throws Exception {
        HttpResponse<String> response = this.app.get("/api/me", "Authorization", authorization);

        assertEquals(401, response.statusCode());
        assertEquals(BARE_CHALLENGE, header(response, "WWW-Authenticate"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bearer", "BEARER", "bEaReR"})
    void doFilterWhenSchemeInAnotherCaseThenAccepted(String scheme) throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        assertEquals(200, this.app.get("/api/me", "Authorization", scheme + " " + token).statusCode());
    }

    @Test
    void doFilterWhenTwoAuthorizationHeadersThenInvalidRequest() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        HttpResponse<String> response = this.app.get("/api/me", "Authorization", "Bearer " + token, "Authorization", "Bearer " + token);

        assertEquals(400, response.statusCode());
        assertEquals("Bearer realm=\"demo-api\", error=\"invalid_request\", "
                + "error_description=\"Found multiple Authorization headers in the request\"", header(response, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenTokenInHeaderAndQueryThenInvalidRequest() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        HttpResponse<String> response = this.app.getWithToken("/api/me?access_token=" + token, token);

        assertEquals(400, response.statusCode());
        assertEquals("Bearer realm=\"demo-api\", error=\"invalid_request\", "
                + "error_description=\"Send the access token in the Authorization header only\"", header(response, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenTokenOnlyInQueryThenInvalidRequest() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        HttpResponse<String> response = this.app.get("/api/me?page=1&access_token=" + token);

        assertEquals(400, response.statusCode());
        assertEquals(0, this.verifications.get());
    }

    @Test
    void doFilterWhenTokenIsLongerThanTheLimitThenInvalidRequest() throws Exception {
        HttpResponse<String> response = this.app.get("/api/me", "Authorization", "Bearer " + "a".repeat(9 * 1024));

        assertEquals(400, response.statusCode());
        assertEquals("Bearer realm=\"demo-api\", error=\"invalid_request\", error_description=\"The bearer token is too long\"",
                header(response, "WWW-Authenticate"));
        assertEquals(0, this.verifications.get());
    }

    @Test
    void doFilterWhenHeaderIsHugeThenJettyRefusesWithA4xx() throws Exception {
        HttpResponse<String> response = this.app.get("/api/me", "Authorization", "Bearer " + "a".repeat(100 * 1024));

        assertEquals(431, response.statusCode());
        assertEquals(0, this.verifications.get());
    }

    @Test
    void doFilterWhenUserLacksTheReaderRoleThenInsufficientScope() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "bob").build());

        HttpResponse<String> response = this.app.getWithToken("/api/data", token);

        assertEquals(403, response.statusCode());
        assertEquals("Bearer realm=\"demo-api\", error=\"insufficient_scope\", "
                + "error_description=\"The access token lacks the client role reader\", scope=\"reader\"",
                header(response, "WWW-Authenticate"));
        assertEquals("{\"error\":\"insufficient_scope\",\"error_description\":\"The access token lacks the client role reader\"}",
                response.body());
        assertEquals("no-store", header(response, "Cache-Control"));
    }

    @Test
    void doFilterWhenUserHasTheReaderRoleOfAnotherClientOnlyThenInsufficientScope() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "bob")
                .claim("resource_access", Map.of("account", Map.of("roles", List.of("reader")))).build());

        assertEquals(403, this.app.getWithToken("/api/data", token).statusCode());
    }

    @Test
    void doFilterWhenUserHasTheReaderRoleThenData() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        HttpResponse<String> response = this.app.getWithToken("/api/data", token);

        assertEquals(200, response.statusCode());
        JsonNode data = json(response);
        assertEquals(3, data.get("items").size());
        assertEquals("alice", data.get("servedTo").asText());
        assertEquals(this.clock.instant(), Instant.parse(data.get("servedAt").asText()));
        assertEquals("no-store", header(response, "Cache-Control"));
    }

    @Test
    void doFilterWhenPublicPathWithGarbageTokenThenIgnoresIt() throws Exception {
        HttpResponse<String> response = this.app.getWithToken("/api/public", "garbage");

        assertEquals(200, response.statusCode());
        assertNull(header(response, "WWW-Authenticate"));
        assertEquals(0, this.verifications.get());
    }

    @Test
    void doFilterWhenPublicPathWithMalformedHeadersThenIgnoresThem() throws Exception {
        HttpResponse<String> response = this.app.get("/api/public?access_token=x", "Authorization", "Bearer", "Authorization", "Basic x");

        assertEquals(200, response.statusCode());
    }

    @Test
    void doFilterWhenUnknownApiPathWithValidTokenThenNotFound() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        HttpResponse<String> response = this.app.getWithToken("/api/nothing-here", token);

        assertEquals(404, response.statusCode());
        assertEquals("{\"error\":\"not_found\",\"error_description\":\"No such API resource\"}", response.body());
        assertEquals("no-store", header(response, "Cache-Control"));
    }

    @Test
    void doFilterWhenUnknownApiPathWithoutTokenThenBareChallenge() throws Exception {
        HttpResponse<String> response = this.app.get("/api/nothing-here");

        assertEquals(401, response.statusCode());
        assertEquals(BARE_CHALLENGE, header(response, "WWW-Authenticate"));
    }

    @Test
    void doFilterWhenWrongMethodWithValidTokenThenMethodNotAllowed() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        HttpResponse<String> response = this.app.send(HttpRequest.newBuilder(this.app.uri("/api/me"))
                .header("Authorization", "Bearer " + token)
                .DELETE());

        assertEquals(405, response.statusCode());
        assertEquals("GET", header(response, "Allow"));
        assertEquals("{\"error\":\"method_not_allowed\",\"error_description\":\"Use GET\"}", response.body());
    }

    @Test
    void doFilterWhenSameTokenTwiceThenVerifiedOnce() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        assertEquals(200, this.app.getWithToken("/api/me", token).statusCode());
        this.clock.advance(Duration.ofSeconds(30));
        assertEquals(200, this.app.getWithToken("/api/data", token).statusCode());
        assertEquals(200, this.app.getWithToken("/api/me", token).statusCode());

        assertEquals(1, this.verifications.get());
    }

    @Test
    void doFilterWhenCachedTokenExpiresThenInvalidToken() throws Exception {
        String token = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());
        assertEquals(200, this.app.getWithToken("/api/me", token).statusCode());

        this.clock.advance(Duration.ofSeconds(64));
        assertEquals(200, this.app.getWithToken("/api/me", token).statusCode());
        this.clock.advance(Duration.ofSeconds(2));
        HttpResponse<String> response = this.app.getWithToken("/api/me", token);

        assertEquals(401, response.statusCode());
        assertEquals(EXPIRED_TOKEN, header(response, "WWW-Authenticate"));
        assertEquals(2, this.verifications.get());
    }

    @Test
    void doFilterWhenTokenRefusedThenNotCached() throws Exception {
        String token = impostor.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());

        assertInvalidToken(this.app.getWithToken("/api/me", token));
        assertInvalidToken(this.app.getWithToken("/api/me", token));

        assertEquals(2, this.verifications.get());
    }

    @Test
    void doFilterWhenProductionWiringThenSameBehaviour() throws Exception {
        // DemoServer.newAccessTokenVerifier, as main() uses it; the rest of this class wires the same parts to count calls
        try (TestApp production = TestApp.start(TestApp.configFor(this.jwks), this.clock, this.staticFiles)) {
            String alice = keycloak.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());
            String bob = keycloak.sign(accessTokenClaims(this.clock.instant(), "bob").build());

            assertEquals(200, production.getWithToken("/api/data", alice).statusCode());
            assertEquals(403, production.getWithToken("/api/data", bob).statusCode());
            assertEquals(401, production.getWithToken("/api/data", "garbage").statusCode());
        }
    }

    private static void assertInvalidToken(HttpResponse<String> response) {
        assertEquals(401, response.statusCode());
        assertEquals(INVALID_TOKEN, header(response, "WWW-Authenticate"));
        assertEquals("{\"error\":\"invalid_token\",\"error_description\":\"The access token is invalid\"}", response.body());
        assertEquals("no-store", header(response, "Cache-Control"));
    }
}
