package dev.silentrefresh.rotation.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.KeysMetadataRepresentation;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakUrls;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The token endpoint of Keycloak 26.7.3 with the {@code refresh-token-rotation} executor, under a corpus of bad refresh
 * tokens and malformed refresh requests, sent while an honest user holds a live rotation chain.
 *
 * <p>The promise on this side: every bad request gets a 4xx and never a 5xx; none of them revokes anything (the honest
 * user's newest refresh token still rotates afterwards, at the next generation, and no reuse was recorded); and no token
 * value, nor a recognisable part of one, shows in Keycloak's log.
 */
@KeycloakIntegrationTest(config = RefreshTokenRotationIT.ServerConfig.class)
class HostileRefreshTokenIT {

    private static final String REALM = "demo";
    private static final String SPA = "demo-spa";
    private static final String SPA_REDIRECT = "http://localhost:8081/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    @InjectAdminClient
    Keycloak admin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    /**
     * A body Keycloak 26.7.3 answers with 500 before the extension is reached (its form decoding), logging the undecodable
     * value whole at ERROR ("Failed to decode URL ..."), token or not; see docs/reliability.md.
     */
    private static final String BAD_PERCENT_ENCODING = "bad-percent-encoding";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** One hostile refresh request: its form body (already encoded) and, where it matters, its content type. */
    private record Hostile(String name, String body, String contentType) {

        static Hostile token(String name, String refreshToken) {
            return new Hostile(name, "grant_type=refresh_token&client_id=" + SPA + "&refresh_token=" + encode(refreshToken),
                    "application/x-www-form-urlencoded");
        }

        static Hostile raw(String name, String body) {
            return new Hostile(name, body, "application/x-www-form-urlencoded");
        }
    }

    @Test
    void hostileRefreshRequestsGet4xxRevokeNothingAndLeaveNoTokenInTheLog() throws Exception {
        RealmResource realm = this.admin.realm(REALM);
        realm.clearEvents();
        OidcTestClient spa = new OidcTestClient(this.urls.getBase(), REALM, SPA, SPA_REDIRECT);

        // Given alice's live chain at generation 2, and a token of bob's
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse first = spa.refresh(login.refreshToken());
        TokenResponse newest = spa.refresh(first.refreshToken());
        assertEquals(200, newest.status(), newest.toString());
        int generation = newest.refreshTokenGeneration();
        TokenResponse bob = spa.login("bob", "bob");
        Set<String> secrets = new HashSet<>(List.of(login.refreshToken(), first.refreshToken(), newest.refreshToken(),
                login.accessToken(), newest.accessToken(), bob.refreshToken()));

        // When the token endpoint receives every hostile request of the corpus
        List<Hostile> corpus = corpus(newest, bob, realm);
        corpus.forEach(hostile -> secrets.add(hostile.body()));
        Map<String, Integer> statuses = new LinkedHashMap<>();
        for (Hostile hostile : corpus) {
            statuses.put(hostile.name(), post(hostile));
        }

        // Then each got a 4xx, never a 5xx, except one that Keycloak itself (its form parser, before any provider runs)
        // answers with 500: asserted as it is, so the day Keycloak fixes it this test says so
        assertEquals(500, statuses.remove(BAD_PERCENT_ENCODING), "Keycloak's answer to a malformed percent-encoding changed");
        List<String> not4xx = statuses.entrySet().stream().filter(e -> e.getValue() < 400 || e.getValue() >= 500)
                .map(e -> e.getKey() + "=" + e.getValue()).toList();
        assertTrue(not4xx.isEmpty(), "not answered with a 4xx: " + not4xx + " (all: " + statuses + ")");
        assertTrue(statuses.size() >= 30, "the corpus shrank to " + statuses.size());

        // and none of them revoked anything: alice's newest token rotates, to the next generation
        TokenResponse after = spa.refresh(newest.refreshToken());
        assertEquals(200, after.status(), "the honest chain was revoked: " + after);
        assertEquals(generation + 1, after.refreshTokenGeneration());
        assertEquals(200, spa.refresh(bob.refreshToken()).status(), "bob's session was revoked");
        List<EventRepresentation> reuse = realm.getEvents(List.of("REFRESH_TOKEN_ERROR"), null, null, null, null, null, 0, 500).stream()
                .filter(event -> "refresh_token_reused".equals(event.getError())).toList();
        assertTrue(reuse.isEmpty(), "a hostile request was taken for reuse: " + reuse.size() + " event(s)");
        secrets.add(after.refreshToken());

        // and Keycloak's log holds no token, nor a recognisable part of one
        List<String> leaks = leaks(Files.readString(RefreshTokenRotationIT.SERVER_LOG), secrets);
        assertTrue(leaks.isEmpty(), "token parts in Keycloak's log: " + leaks);
    }

    /**
     * Keycloak decodes a refresh token's base64 leniently: the same token in standard base64, padded, or with a NUL byte in
     * its header is the same token to it. A thief who re-spells a rotated-out token must still be caught as a reuse.
     */
    @Test
    void respelledReplayOfAnOldRefreshTokenIsStillDetectedAsReuse() throws Exception {
        RealmResource realm = this.admin.realm(REALM);
        OidcTestClient spa = new OidcTestClient(this.urls.getBase(), REALM, SPA, SPA_REDIRECT);
        Map<String, java.util.function.UnaryOperator<String>> spellings = new LinkedHashMap<>();
        spellings.put("standard-base64", token -> token.replace('-', '+').replace('_', '/'));
        spellings.put("padded", token -> token + "==");
        spellings.put("nul-in-header", token -> token.replaceFirst("\\.", "\u0000."));
        for (Map.Entry<String, java.util.function.UnaryOperator<String>> spelling : spellings.entrySet()) {
            realm.clearEvents();
            TokenResponse login = spa.login("alice", "alice");
            TokenResponse first = spa.refresh(login.refreshToken());
            TokenResponse newest = spa.refresh(first.refreshToken());
            assertEquals(200, newest.status(), newest.toString());

            int status = post(Hostile.token(spelling.getKey(), spelling.getValue().apply(login.refreshToken())));

            assertEquals(400, status, spelling.getKey() + ": the re-spelled generation-0 token was not refused");
            assertEquals(400, spa.refresh(newest.refreshToken()).status(), spelling.getKey() + ": the family was not revoked");
            long reuse = realm.getEvents(List.of("REFRESH_TOKEN_ERROR"), null, null, null, null, null, 0, 100).stream()
                    .filter(event -> "refresh_token_reused".equals(event.getError())).count();
            assertEquals(1, reuse, spelling.getKey() + ": reuse events");
        }
    }

    private List<Hostile> corpus(TokenResponse honest, TokenResponse other, RealmResource realm) throws Exception {
        String token = honest.refreshToken();
        String[] parts = token.split("\\.");
        String header = parts[0];
        String payload = parts[1];
        String signature = parts[2];
        Map<String, Object> claims = JSON.readValue(Base64.getUrlDecoder().decode(payload), new TypeReference<>() { });
        byte[] rsaPublicKey = realmRsaPublicKey(realm);
        List<Hostile> corpus = new ArrayList<>();

        // broken copies of the honest token (the attacker saw its shape, not the token)
        corpus.add(Hostile.token("truncated-half", token.substring(0, token.length() / 2)));
        corpus.add(Hostile.token("truncated-signature", header + "." + payload + "." + signature.substring(0, signature.length() - 5)));
        corpus.add(Hostile.token("no-signature", header + "." + payload + "."));
        corpus.add(Hostile.token("two-parts", header + "." + payload));
        corpus.add(Hostile.token("flipped-signature", Jwt.withBrokenSignature(token)));
        int generation = ((Number) claims.getOrDefault("rtr_gen", 0)).intValue();
        corpus.add(Hostile.token("generation-raised", Jwt.withClaim(token, "rtr_gen", generation + 1)));
        corpus.add(Hostile.token("generation-lowered", Jwt.withClaim(token, "rtr_gen", 0)));
        corpus.add(Hostile.token("generation-string", Jwt.withClaim(token, "rtr_gen", "2")));
        corpus.add(Hostile.token("generation-huge", Jwt.withClaim(token, "rtr_gen", new java.math.BigInteger("9".repeat(300)))));
        corpus.add(Hostile.token("family-changed", Jwt.withClaim(token, "rtr_fam", "attacker-family")));
        corpus.add(Hostile.token("session-of-bob", Jwt.withClaim(token, "sid", Jwt.claims(other.refreshToken()).get("sid"))));
        corpus.add(Hostile.token("exp-huge", Jwt.withClaim(token, "exp", new java.math.BigInteger("9".repeat(300)))));
        corpus.add(Hostile.token("exp-negative", Jwt.withClaim(token, "exp", -1)));

        // re-signed, or not signed at all
        corpus.add(Hostile.token("alg-none", b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + "."));
        corpus.add(Hostile.token("alg-none-signature-kept", b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + "." + signature));
        corpus.add(Hostile.token("hs512-with-realm-public-key-der", hmac(headerWithAlg(header, "HS512"), payload, rsaPublicKey)));
        corpus.add(Hostile.token("hs256-with-realm-public-key-base64",
                hmac(headerWithAlg(header, "HS256"), payload, Base64.getEncoder().encode(rsaPublicKey))));
        corpus.add(Hostile.token("hs512-with-empty-secret", hmac(headerWithAlg(header, "HS512"), payload, new byte[64])));
        corpus.add(Hostile.token("rs256-with-attacker-key", rsa(headerWithAlg(header, "RS256"), payload)));
        corpus.add(Hostile.token("jwk-header-injection",
                rsa(b64("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"jwk\":{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}}"), payload)));
        corpus.add(Hostile.token("jku-header-injection",
                rsa(b64("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"jku\":\"http://127.0.0.1:9/jwks\"}"), payload)));
        corpus.add(Hostile.token("kid-path-traversal",
                b64("{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"../../../../etc/passwd\"}") + "." + payload + "." + signature));
        corpus.add(Hostile.token("kid-sql",
                b64("{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"x' OR '1'='1\"}") + "." + payload + "." + signature));

        // other tokens where a refresh token belongs
        corpus.add(Hostile.token("access-token", honest.accessToken()));
        corpus.add(Hostile.token("id-token", honest.idToken()));

        // shapes and sizes
        corpus.add(Hostile.token("empty", ""));
        corpus.add(Hostile.token("garbage", "not-a-token"));
        corpus.add(Hostile.token("oversized-9k", "A".repeat(9 * 1024)));
        corpus.add(Hostile.token("oversized-100k", b64("{\"a\":\"" + "x".repeat(70_000) + "\"}") + "." + payload + "." + signature));
        corpus.add(Hostile.token("deeply-nested-header",
                b64("{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000)) + "." + payload + "." + signature));
        corpus.add(Hostile.token("deeply-nested-payload", header + "." + b64("[".repeat(20_000) + "]".repeat(20_000)) + "." + signature));
        corpus.add(Hostile.token("crlf", header + "\r\nX-Injected: 1\r\n." + payload + "." + signature));
        corpus.add(Hostile.raw("non-utf8-bytes",
                "grant_type=refresh_token&client_id=" + SPA + "&refresh_token=%FF%FE%FD." + payload + "." + signature));
        // no token material here: Keycloak logs this value whole at ERROR (see BAD_PERCENT_ENCODING)
        corpus.add(Hostile.raw(BAD_PERCENT_ENCODING, "grant_type=refresh_token&client_id=" + SPA + "&refresh_token=%ZZ-not-a-token"));
        corpus.add(Hostile.token("nul-byte-in-garbage", "abc\u0000def." + payload + ".xyz"));
        corpus.add(Hostile.raw("two-refresh-tokens", "grant_type=refresh_token&client_id=" + SPA + "&refresh_token="
                + encode(Jwt.withBrokenSignature(token)) + "&refresh_token=" + encode("garbage")));
        corpus.add(Hostile.raw("no-refresh-token", "grant_type=refresh_token&client_id=" + SPA));
        String broken = encode(Jwt.withBrokenSignature(token));
        corpus.add(Hostile.raw("other-client", "grant_type=refresh_token&client_id=demo-api&refresh_token=" + broken));
        corpus.add(Hostile.raw("unknown-client", "grant_type=refresh_token&client_id=nobody&refresh_token=" + broken));
        corpus.add(Hostile.raw("two-grant-types",
                "grant_type=refresh_token&grant_type=password&client_id=" + SPA + "&refresh_token=garbage"));
        corpus.add(new Hostile("json-body",
                "{\"grant_type\":\"refresh_token\",\"client_id\":\"" + SPA + "\",\"refresh_token\":\"garbage\"}",
                "application/json"));
        return corpus;
    }

    private int post(Hostile hostile) throws IOException, InterruptedException {
        URI tokenEndpoint = URI.create(this.urls.getBase() + "/realms/" + REALM + "/protocol/openid-connect/token");
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", hostile.contentType())
                .POST(HttpRequest.BodyPublishers.ofString(hostile.body(), StandardCharsets.ISO_8859_1))
                .build();
        return this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static byte[] realmRsaPublicKey(RealmResource realm) {
        for (KeysMetadataRepresentation.KeyMetadataRepresentation key : realm.keys().getKeyMetadata().getKeys()) {
            if ("RSA".equals(key.getType()) && key.getPublicKey() != null) {
                return Base64.getDecoder().decode(key.getPublicKey());
            }
        }
        throw new IllegalStateException("the realm has no RSA key");
    }

    private static String headerWithAlg(String header, String alg) throws IOException {
        Map<String, Object> fields = JSON.readValue(Base64.getUrlDecoder().decode(header), new TypeReference<>() { });
        fields.put("alg", alg);
        return BASE64URL.encodeToString(JSON.writeValueAsBytes(fields));
    }

    private static String hmac(String header, String payload, byte[] secret) throws GeneralSecurityException {
        boolean sha256 = new String(Base64.getUrlDecoder().decode(header), StandardCharsets.UTF_8).contains("HS256");
        String algorithm = sha256 ? "HmacSHA256" : "HmacSHA512";
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(secret.length == 0 ? new byte[1] : secret, algorithm));
        String signingInput = header + "." + payload;
        return signingInput + "." + BASE64URL.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String rsa(String header, String payload) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair attacker = generator.generateKeyPair();
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(attacker.getPrivate());
        String signingInput = header + "." + payload;
        signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + BASE64URL.encodeToString(signer.sign());
    }

    private static String b64(String text) {
        return BASE64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Every 16-character stretch of the secrets that appears in the log: of a JWT its signature segment (what makes it
     * usable; the header is shared by all tokens of a realm key and the payload holds identifiers Keycloak logs anyway),
     * of anything else the whole value. Any leaked fragment of 31 characters or more is found.
     */
    private static List<String> leaks(String log, Set<String> secrets) {
        Set<String> chunks = new HashSet<>();
        for (String secret : secrets) {
            String[] segments = secret.split("\\.", -1);
            String part = segments.length >= 3 && segments[0].startsWith("eyJ") ? segments[segments.length - 1] : secret;
            for (int start = 0; start + 16 <= part.length(); start += 16) {
                String chunk = part.substring(start, start + 16);
                // runs of few characters (padding of the oversized cases, form syntax) are no token material
                if (chunk.chars().distinct().count() > 6) {
                    chunks.add(chunk);
                }
            }
        }
        List<String> found = new ArrayList<>();
        for (int i = 0; i + 16 <= log.length() && found.size() < 20; i++) {
            if (chunks.contains(log.substring(i, i + 16))) {
                found.add("offset " + i + ": " + log.substring(i, i + 6) + "...");
                i += 15;
            }
        }
        return found;
    }
}
