package dev.silentrefresh.demo.testing;


import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

/**
 * The committed corpus of hostile requests for the API: bad {@code Authorization} headers and bad access tokens, each with
 * the status the app must answer. Files live in {@code src/test/resources/hostile/requests}, one request per file:
 *
 * <pre>
 * # what the request tries
 * expect: 401
 * GET /api/me HTTP/1.1
 * Host: localhost
 * Authorization: Bearer eyJ...
 * </pre>
 *
 * <p>Request lines are joined with CRLF; in them {@code \r}, {@code \n}, {@code \t}, {@code \\} and {@code \xHH} stand for
 * the raw byte, so line breaks, control characters and non-UTF-8 bytes can be written down. {@code Connection: close} and
 * the final empty line are added when the request is sent.
 *
 * <p>Tokens are signed with the test-only key in {@code hostile/corpus-realm-key.json} and issued at {@link #CORPUS_TIME};
 * the test runs the app on a clock standing at that time, so the committed tokens never expire. Regenerate (after changing
 * this class) with {@code ./mvnw -q -pl demo-webapp test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.silentrefresh.demo.testing.HostileCorpus -Dexec.args=demo-webapp}.
 */
public final class HostileCorpus {

    public static final Instant CORPUS_TIME = Instant.parse("2026-01-01T00:00:00Z");
    public static final String KEY_RESOURCE = "/hostile/corpus-realm-key.json";
    public static final String REQUESTS_RESOURCE = "/hostile/requests";
    public static final Path REQUESTS_SOURCE = Path.of("src", "test", "resources", "hostile", "requests");

    /** One hostile request and the status it must get. */
    public record Case(String name, String description, int expectedStatus, List<String> lines) {

        /** The bytes on the wire, ending the head with {@code Connection: close} and an empty line. */
        public byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (String line : this.lines) {
                out.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
                out.writeBytes(new byte[] {'\r', '\n'});
            }
            out.writeBytes("Connection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return out.toByteArray();
        }

        /** The header lines only (everything after the request line), as the fuzz target takes them. */
        public byte[] headerBlock() {
            return String.join("\r\n", this.lines.subList(1, this.lines.size())).getBytes(StandardCharsets.ISO_8859_1);
        }

        String toFileText() {
            StringBuilder text = new StringBuilder();
            for (String line : this.description.split("\n")) {
                text.append("# ").append(line).append('\n');
            }
            text.append("expect: ").append(this.expectedStatus).append('\n');
            for (String line : this.lines) {
                text.append(escape(line)).append('\n');
            }
            return text.toString();
        }

        static Case parse(String name, String text) {
            StringBuilder description = new StringBuilder();
            int expected = -1;
            List<String> lines = new ArrayList<>();
            for (String line : text.split("\n", -1)) {
                if (line.startsWith("# ")) {
                    description.append(description.length() == 0 ? "" : "\n").append(line.substring(2));
                } else if (line.startsWith("expect: ")) {
                    expected = Integer.parseInt(line.substring("expect: ".length()).trim());
                } else if (!line.isEmpty()) {
                    lines.add(unescape(line));
                }
            }
            if (expected < 0 || lines.isEmpty()) {
                throw new IllegalArgumentException(name + ": needs an 'expect:' line and a request");
            }
            return new Case(name, description.toString(), expected, List.copyOf(lines));
        }
    }

    private HostileCorpus() {
    }

    /** The realm key the corpus tokens are signed with (test-only, committed). */
    public static RSAKey corpusKey() {
        try (InputStream in = HostileCorpus.class.getResourceAsStream(KEY_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + KEY_RESOURCE);
            }
            return RSAKey.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (ParseException ex) {
            throw new IllegalStateException("unreadable " + KEY_RESOURCE, ex);
        }
    }

    /** The committed cases, in file-name order. */
    public static List<Case> load(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            List<Case> cases = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".txt")).sorted().toList()) {
                cases.add(Case.parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.ISO_8859_1)));
            }
            return cases;
        }
    }

    /**
     * Writes the corpus and the fuzz seeds anew; the argument is the {@code demo-webapp} module folder (default: the
     * current folder). Existing {@code crash-*} inputs are kept.
     */
    public static void main(String[] args) throws IOException {
        Path module = args.length > 0 ? Path.of(args[0]) : Path.of("");
        Path folder = module.resolve(REQUESTS_SOURCE);
        Files.createDirectories(folder);
        try (Stream<Path> old = Files.list(folder)) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        List<Case> cases = generate(corpusKey());
        for (Case hostile : cases) {
            Files.writeString(folder.resolve(hostile.name() + ".txt"), hostile.toFileText(), StandardCharsets.ISO_8859_1);
        }
        System.out.println("wrote " + cases.size() + " cases to " + folder.toAbsolutePath());
        writeFuzzSeeds(cases, module.resolve(FUZZ_INPUTS_SOURCE));
    }

    /** Where Jazzer finds the seeds (and keeps the crashes) of {@code BearerTokenFilterFuzzTest}. */
    public static final Path FUZZ_INPUTS_SOURCE = Path.of("src", "test", "resources", "dev", "silentrefresh", "demo", "auth",
            "BearerTokenFilterFuzzTestInputs");

    /**
     * Seeds for the fuzz targets: every case's header block for {@code headerBlock}, and for {@code signedToken} a few
     * header/claims pairs (header, NUL, payload) of the shapes Keycloak issues. Existing {@code crash-*} files are kept.
     */
    static void writeFuzzSeeds(List<Case> cases, Path inputs) throws IOException {
        Path headerBlocks = inputs.resolve("headerBlock");
        Path signedTokens = inputs.resolve("signedToken");
        for (Path folder : List.of(headerBlocks, signedTokens)) {
            Files.createDirectories(folder);
            try (Stream<Path> old = Files.list(folder)) {
                for (Path file : old.filter(f -> f.getFileName().toString().startsWith("seed-")).toList()) {
                    Files.delete(file);
                }
            }
        }
        for (Case hostile : cases) {
            Files.write(headerBlocks.resolve("seed-" + hostile.name().replace(".txt", "")), hostile.headerBlock());
        }
        String header = "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"fuzz-key\"}";
        Map<String, String> payloads = Map.of(
                "seed-access-token", claimsJson(corpusClaims(CORPUS_TIME, "alice", "reader").build()),
                "seed-no-roles", claimsJson(corpusClaims(CORPUS_TIME, "bob").build()),
                "seed-dpop-bound", claimsJson(corpusClaims(CORPUS_TIME, "alice", "reader").claim("typ", "DPoP")
                        .claim("cnf", Map.of("jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")).build()),
                "seed-id-token", claimsJson(corpusClaims(CORPUS_TIME, "alice").claim("typ", "ID").build()),
                "seed-odd-types", "{\"iss\":\"http://localhost:8080/realms/demo\",\"aud\":[\"demo-api\"],\"sub\":\"x\",\"exp\":1e10,"
                        + "\"resource_access\":{\"demo-api\":{\"roles\":[null,1,\"reader\"]}},\"preferred_username\":[],\"cnf\":{}}");
        for (Map.Entry<String, String> payload : payloads.entrySet()) {
            Files.write(signedTokens.resolve(payload.getKey()), (header + "\u0000" + payload.getValue()).getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("wrote fuzz seeds to " + inputs.toAbsolutePath());
    }

    /** Every case, built from the corpus key. */
    public static List<Case> generate(RSAKey realmKey) {
        TokenIssuer keycloak = TokenIssuer.of(realmKey);
        TokenIssuer impostor = TokenIssuer.of(fixedOtherKey(realmKey.getKeyID()));
        String valid = keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").build());
        String[] parts = valid.split("\\.");
        String header = parts[0];
        String payload = parts[1];
        String signature = parts[2];
        List<Case> cases = new ArrayList<>();
        Corpus c = new Corpus(cases);

        // controls: the harness can see a 200, and a plain 401
        c.bearer("000-valid-token-control", "control: a valid token of the corpus realm (the harness must see 200)", 200, valid);
        c.add("001-no-authorization-control", "control: no Authorization header at all", 401, List.of());

        // the header's syntax
        c.header("010-empty-authorization", "an empty Authorization header carries no token", 401, "");
        c.header("011-scheme-only", "the Bearer scheme without a token", 400, "Bearer");
        c.header("012-scheme-and-space", "the Bearer scheme and a space, nothing else", 400, "Bearer ");
        c.header("013-two-spaces", "two spaces between scheme and token", 400, "Bearer  " + valid);
        c.header("014-tab-separator", "a tab instead of the space", 400, "Bearer\t" + valid);
        c.header("015-lower-case-scheme", "the scheme in lower case is still Bearer (RFC 9110: case-insensitive)", 200, "bearer " + valid);
        c.header("016-two-tokens-comma", "two tokens in one header, comma-separated", 400, "Bearer " + valid + ",Bearer " + valid);
        c.header("017-two-tokens-space", "two tokens in one header, space-separated", 400, "Bearer " + valid + " " + valid);
        c.header("018-quoted-token", "the token in quotes", 400, "Bearer \"" + valid + "\"");
        c.header("019-padding-in-the-middle", "base64 padding inside the token", 400,
                "Bearer " + header + "==." + payload + "." + signature);
        c.header("020-trailing-space", "a space after the token: HTTP strips it from the field value (RFC 9110 §5.5), so the token "
                + "is fine", 200, "Bearer " + valid + " ");
        c.header("021-other-scheme", "Basic credentials: no bearer token at all", 401, "Basic YWxpY2U6YWxpY2U=");
        c.header("022-scheme-glued", "scheme and token without a space", 401, "Bearer" + valid);
        c.add("023-two-authorization-headers", "two Authorization headers, both with the valid token", 400,
                List.of("Authorization: Bearer " + valid, "Authorization: Bearer " + valid));
        c.add("024-two-headers-bearer-and-basic", "a Bearer and a Basic Authorization header", 400,
                List.of("Authorization: Basic YWxpY2U6YWxpY2U=", "Authorization: Bearer " + valid));
        c.request("025-token-in-query", "the token in the query string (RFC 6750 §2.3, refused)", 400,
                "GET /api/me?access_token=" + valid + " HTTP/1.1", List.of());
        c.request("026-token-in-query-and-header", "the token in the query and in the header", 400,
                "GET /api/me?access_token=" + valid + " HTTP/1.1", List.of("Authorization: Bearer " + valid));

        // line breaks, control characters and bytes that are not UTF-8
        c.add("030-crlf-injected-header", "CRLF inside the token splits it into a second header line", 401,
                List.of("Authorization: Bearer " + payload + "\r\nX-Injected: yes"));
        c.header("031-obs-fold", "the token folded onto a continuation line (obsolete line folding)", 400, "Bearer\r\n " + valid);
        c.header("032-nul-byte", "a NUL byte inside the token", 400, "Bearer " + header + "\u0000." + payload + "." + signature);
        c.header("033-bare-cr", "a bare CR inside the token", 400, "Bearer " + header + "\r." + payload + "." + signature);
        c.header("034-non-utf8-bytes", "bytes that are not UTF-8 inside the token", 400,
                "Bearer " + header + "\u00ff\u00fe." + payload + "." + signature);
        c.header("035-latin1-scheme", "a Latin-1 letter in the scheme", 401, "B\u00e9arer " + valid);
        c.header("036-utf8-in-token", "UTF-8 multi-byte characters inside the token", 400,
                "Bearer " + new String("ẞ€😀".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1) + valid);
        c.header("037-escape-sequences", "terminal escape sequences as the token", 400, "Bearer \u001b[31mred\u001b[0m");
        c.header("038-delete-char", "a DEL character inside the token", 400, "Bearer " + header + "\u007f." + payload + "." + signature);

        // sizes
        c.header("040-token-just-over-limit", "a token of 8 KiB + 1: over the filter's limit", 400, "Bearer " + "A".repeat(8 * 1024 + 1));
        c.header("041-header-over-jetty-limit", "a 20 KiB Authorization header: over Jetty's 16 KiB request-header limit", 431,
                "Bearer " + "A".repeat(20 * 1024));
        c.add("042-many-headers", "400 small extra headers beside a valid token", 200, manyHeaders(valid, 400));
        c.header("043-long-garbage-token", "8 KiB of base64url that is no JWT", 401, "Bearer " + "QUFB".repeat(2 * 1024));
        c.header("044-many-dots", "a token that is nothing but dots", 401, "Bearer " + ".".repeat(4000));

        // not a JWT, or a broken one
        c.bearer("050-one-part", "one base64url part", 401, payload);
        c.bearer("051-two-parts", "header and payload, no signature part", 401, header + "." + payload);
        c.bearer("052-truncated-signature", "the valid token with half its signature cut off", 401,
                header + "." + payload + "." + signature.substring(0, signature.length() / 2));
        c.bearer("053-truncated-payload", "the valid token with its payload cut short", 401,
                header + "." + payload.substring(0, payload.length() - 7) + "." + signature);
        c.bearer("054-four-parts", "four parts", 401, valid + ".AAAA");
        c.bearer("055-five-parts-jwe-shape", "five parts, the shape of an encrypted JWT", 401, header + ".AAAA.AAAA." + payload + ".AAAA");
        c.bearer("056-bad-base64-header", "a header that is not base64url (a character no b64token has)", 400,
                "e!J." + payload + "." + signature);
        c.bearer("057-header-not-json", "a header that is base64url of text that is no JSON", 401,
                b64("not json") + "." + payload + "." + signature);
        c.bearer("058-header-json-array", "a header that is a JSON array", 401, b64("[1,2,3]") + "." + payload + "." + signature);
        c.bearer("059-payload-not-json", "a payload that is no JSON", 401, header + "." + b64("not json") + "." + signature);
        c.bearer("060-standard-base64-signature", "the real signature re-encoded in standard base64 (+ and /): not a JWS encoding", 401,
                header + "." + payload + "." + signature.replace('-', '+').replace('_', '/'));
        c.bearer("061-flipped-signature-byte", "one signature character changed", 401,
                header + "." + payload + "." + (signature.charAt(0) == 'A' ? 'B' : 'A') + signature.substring(1));
        c.bearer("062-payload-of-another-user", "bob's claims with alice's signature", 401,
                header + "." + b64(claimsJson(corpusClaims(CORPUS_TIME, "bob", "reader").build())) + "." + signature);
        c.bearer("063-deeply-nested-header", "a header nested 700 levels deep (within the token limit)", 401,
                b64("{\"a\":".repeat(700) + "1" + "}".repeat(700)) + "." + payload + "." + signature);
        c.bearer("064-deeply-nested-payload", "a payload of arrays nested 2,500 levels deep, with the real signature", 401,
                header + "." + b64("[".repeat(2_500) + "]".repeat(2_500)) + "." + signature);
        c.bearer("064b-deeply-nested-claim", "valid claims plus a claim nested 2,000 levels deep, signed by the realm: Nimbus' JSON "
                + "parser refuses it", 401,
                keycloak.signPayload(claimsJson(corpusClaims(CORPUS_TIME, "alice", "reader").build())
                        .replaceFirst("\\{", "{\"deep\":" + "[".repeat(2_000) + "]".repeat(2_000) + ",")));
        c.bearer("064c-nested-too-long", "a header nested 1,100 levels deep: over the token limit", 400,
                b64("{\"a\":".repeat(1_100) + "1" + "}".repeat(1_100)) + "." + payload + "." + signature);
        c.bearer("065-huge-number-exp", "a validly signed token whose exp is a 300-digit number", 401,
                keycloak.signPayload(claimsJson(corpusClaims(CORPUS_TIME, "alice", "reader").build()).replaceFirst("\"exp\":\\d+",
                        "\"exp\":" + "9".repeat(300))));
        c.bearer("066-exponent-exp", "a validly signed token whose exp is 1e400", 401,
                keycloak.signPayload(claimsJson(corpusClaims(CORPUS_TIME, "alice", "reader").build()).replaceFirst("\"exp\":\\d+",
                        "\"exp\":1e400")));
        c.bearer("067-negative-exp", "a validly signed token whose exp is negative", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").claim("exp", -1).build()));
        c.bearer("068-string-exp", "a validly signed token whose exp is a string", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").claim("exp", "tomorrow").build()));
        c.bearer("069-duplicate-claims", "a validly signed token with iss twice (the second one forged)", 401,
                keycloak.signPayload(claimsJson(corpusClaims(CORPUS_TIME, "alice", "reader").build()).replaceFirst("\\{",
                        "{\"iss\":\"https://evil.example/realms/demo\",")));
        c.bearer("070-sub-is-object", "a validly signed token whose sub is an object", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").claim("sub", Map.of("id", 1)).build()));
        c.bearer("071-aud-is-number", "a validly signed token whose aud is a number", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").claim("aud", 42).build()));
        c.bearer("072-roles-of-odd-shape", "a validly signed token with resource_access roles as a string: no roles, 403 on /api/data", 403,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice").claim("resource_access",
                        Map.of("demo-api", Map.of("roles", "reader"))).build()), "/api/data");
        c.bearer("073-cnf-not-an-object", "a validly signed token with cnf as a string", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").claim("cnf", "jkt").build()));
        c.bearer("074-payload-null", "a validly signed token whose payload is JSON null", 401, keycloak.signPayload("null"));

        // algorithms and keys
        c.bearer("080-alg-none", "an unsigned token (alg none)", 401,
                new PlainJWT(corpusClaims(CORPUS_TIME, "alice", "reader").build()).serialize());
        c.bearer("081-alg-none-with-signature", "alg none in the header, the real signature kept", 401,
                b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + "." + signature);
        c.bearer("082-alg-None-mixed-case", "alg NoNe", 401, b64("{\"alg\":\"NoNe\",\"typ\":\"JWT\"}") + "." + payload + ".");
        c.bearer("083-hs256-with-public-key-json", "HS256 signed with the realm's public JWK (JSON) as the secret", 401,
                hmac(realmKey, realmKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
        c.bearer("084-hs256-with-public-key-der", "HS256 signed with the realm's public key (X.509 DER) as the secret", 401,
                hmac(realmKey, publicKeyDer(realmKey)));
        c.bearer("085-hs256-with-public-key-pem", "HS256 signed with the realm's public key (PEM) as the secret", 401,
                hmac(realmKey, publicKeyPem(realmKey).getBytes(StandardCharsets.US_ASCII)));
        c.bearer("086-resigned-same-kid", "signed with another RSA key under the realm key's kid", 401,
                impostor.sign(corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("087-rs512-header", "the header claims RS512 (not allowed), the signature is RS256", 401,
                b64("{\"alg\":\"RS512\",\"typ\":\"JWT\",\"kid\":\"" + realmKey.getKeyID() + "\"}") + "." + payload + "." + signature);
        c.bearer("088-es256-header", "the header claims ES256 with the RSA kid", 401,
                b64("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"" + realmKey.getKeyID() + "\"}") + "." + payload + "." + signature);
        c.bearer("089-jwk-header-injection", "signed with the attacker's key, which it embeds as jwk (and no kid)", 401,
                impostor.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
                        .jwk(fixedOtherKey("attacker").toPublicJWK()).build(), corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("090-jku-header-injection", "signed with the attacker's key, pointing jku at the attacker's JWKS", 401,
                impostor.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID("attacker")
                        .jwkURL(java.net.URI.create("http://127.0.0.1:9/jwks.json")).build(),
                        corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("091-x5u-header-injection", "signed with the attacker's key, pointing x5u at the attacker's certificate", 401,
                impostor.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID("attacker")
                        .x509CertURL(java.net.URI.create("http://127.0.0.1:9/cert.pem")).build(),
                        corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("092-kid-path-traversal", "a kid that is a path", 401,
                keycloak.withKeyId("../../../../etc/passwd").sign(corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("093-kid-sql", "a kid that is SQL", 401,
                keycloak.withKeyId("x' OR '1'='1").sign(corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("094-kid-url", "a kid that is a URL", 401,
                keycloak.withKeyId("http://127.0.0.1:9/key").sign(corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("095-kid-huge", "a 4 KB kid", 401,
                keycloak.withKeyId("k".repeat(4096)).sign(corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("096-kid-unknown-many-1", "made-up kid #1 (the first may refetch the JWKS)", 401,
                keycloak.withKeyId("made-up-1").sign(corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("097-kid-unknown-many-2", "made-up kid #2 right after: judged against the keys just fetched", 401,
                keycloak.withKeyId("made-up-2").sign(corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("098-crit-header", "a crit header the app does not understand", 401,
                keycloak.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(realmKey.getKeyID())
                        .criticalParams(java.util.Set.of("exp")).customParam("exp", 1).build(),
                        corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("099-typ-id-token", "an ID token (typ ID) of the realm", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").claim("typ", "ID").build()));
        c.bearer("100-typ-refresh-token", "a refresh token (typ Refresh) of the realm", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").claim("typ", "Refresh").build()));
        c.bearer("101-header-typ-jwe", "header typ JWE", 401,
                keycloak.sign(keycloak.header().type(new JOSEObjectType("JWE")).build(),
                        corpusClaims(CORPUS_TIME, "alice", "reader").build()));
        c.bearer("102-other-issuer", "a token of another realm", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").issuer("http://localhost:8080/realms/master").build()));
        c.bearer("103-expired", "a token that expired an hour before the corpus time", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME.minusSeconds(3600), "alice", "reader").build()));
        c.bearer("104-not-yet-valid", "a token whose nbf is an hour after the corpus time", 401,
                keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader")
                        .notBeforeTime(java.util.Date.from(CORPUS_TIME.plusSeconds(3600))).build()));

        // DPoP
        c.add("110-dpop-scheme-without-proof", "the DPoP scheme without a DPoP header", 401, List.of("Authorization: DPoP " + valid));
        c.add("111-dpop-proof-with-bearer", "a DPoP header next to a Bearer token", 400,
                List.of("Authorization: Bearer " + valid, "DPoP: " + valid));
        c.add("112-two-dpop-headers", "two DPoP proofs", 401, List.of("Authorization: DPoP " + valid, "DPoP: " + valid, "DPoP: " + valid));
        c.add("113-dpop-proof-garbage", "a DPoP proof that is no JWT", 401, List.of("Authorization: DPoP " + valid, "DPoP: %%%"));
        c.add("114-dpop-unbound-token", "an unbound token sent with the DPoP scheme and some JWT as proof", 401,
                List.of("Authorization: DPoP " + valid, "DPoP: " + valid));
        c.add("115-dpop-proof-huge", "a 9 KiB DPoP proof", 401, List.of("Authorization: DPoP " + valid,
                "DPoP: " + "A".repeat(3 * 1024) + "." + "A".repeat(3 * 1024) + "." + "A".repeat(3 * 1024)));
        c.add("116-dpop-stale-proof-for-bound-token", "a bound token with a proof from 2026-01-01, long too old", 401,
                List.of("Authorization: DPoP " + boundToken(keycloak), "DPoP: " + staleProof(boundToken(keycloak))));

        // paths and methods with a valid token
        c.request("120-post-with-token", "POST with a valid token: 405", 405, "POST /api/me HTTP/1.1",
                List.of("Authorization: Bearer " + valid, "Content-Length: 0"));
        c.request("121-unknown-api-path", "an unknown API path with a valid token: 404", 404, "GET /api/nope HTTP/1.1",
                List.of("Authorization: Bearer " + valid));
        c.request("122-encoded-traversal", "an encoded path traversal under /api", 400, "GET /api/%2e%2e/%2e%2e/etc/passwd HTTP/1.1",
                List.of("Authorization: Bearer " + valid));
        c.request("123-public-path-with-garbage", "the public path with a garbage header: the header is ignored", 200,
                "GET /api/public HTTP/1.1",
                List.of("Authorization: Bearer %%%"));
        c.request("124-absolute-uri-other-host", "an absolute-form request line naming another host than Host: Jetty refuses it", 400,
                "GET http://evil.example/api/me HTTP/1.1", List.of("Authorization: Bearer " + valid));
        c.request("125-http10-without-host", "HTTP/1.0 without Host", 200, "GET /api/me HTTP/1.0",
                List.of("Authorization: Bearer " + valid), false);
        c.request("126-two-host-headers", "two Host headers", 400, "GET /api/me HTTP/1.1",
                List.of("Host: evil.example", "Authorization: Bearer " + valid));
        return cases;
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private record Corpus(List<Case> cases) {

        void bearer(String name, String description, int status, String token) {
            header(name, description, status, "Bearer " + token);
        }

        void bearer(String name, String description, int status, String token, String path) {
            request(name, description, status, "GET " + path + " HTTP/1.1", List.of("Authorization: Bearer " + token));
        }

        void header(String name, String description, int status, String authorization) {
            add(name, description, status, List.of("Authorization: " + authorization));
        }

        void add(String name, String description, int status, List<String> headers) {
            request(name, description, status, "GET /api/me HTTP/1.1", headers);
        }

        void request(String name, String description, int status, String requestLine, List<String> headers) {
            request(name, description, status, requestLine, headers, true);
        }

        void request(String name, String description, int status, String requestLine, List<String> headers, boolean host) {
            List<String> lines = new ArrayList<>();
            lines.add(requestLine);
            if (host) {
                lines.add("Host: localhost");
            }
            lines.addAll(headers);
            this.cases.add(new Case(name, description, status, List.copyOf(lines)));
        }
    }

    private static List<String> manyHeaders(String token, int count) {
        List<String> headers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            headers.add("X-Extra-" + i + ": " + i);
        }
        headers.add("Authorization: Bearer " + token);
        return headers;
    }

    private static String boundToken(TokenIssuer keycloak) {
        return keycloak.sign(corpusClaims(CORPUS_TIME, "alice", "reader").claim("typ", "DPoP")
                .claim("cnf", Map.of("jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")).build());
    }

    private static String staleProof(String token) {
        RSAKey key = fixedOtherKey("dpop");
        JWTClaimsSet claims = new JWTClaimsSet.Builder().jwtID("corpus-1").claim("htm", "GET").claim("htu", "http://localhost/api/me")
                .issueTime(java.util.Date.from(CORPUS_TIME)).claim("ath", DpopProver.ath(token)).build();
        SignedJWT proof = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("dpop+jwt"))
                .jwk(key.toPublicJWK()).build(), claims);
        try {
            proof.sign(new com.nimbusds.jose.crypto.RSASSASigner(key));
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        return proof.serialize();
    }

    private static String hmac(RSAKey realmKey, byte[] secret) {
        byte[] key = secret.length >= 32 ? secret : java.util.Arrays.copyOf(secret, 32);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).keyID(realmKey.getKeyID()).build(),
                corpusClaims(CORPUS_TIME, "alice", "reader").build());
        try {
            jwt.sign(new MACSigner(key));
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        return jwt.serialize();
    }

    private static byte[] publicKeyDer(RSAKey key) {
        try {
            return key.toRSAPublicKey().getEncoded();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String publicKeyPem(RSAKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(publicKeyDer(key))
                + "\n-----END PUBLIC KEY-----\n";
    }

    // a second RSA key, derived from nothing secret: fixed so the corpus is stable (generated once, kept in the key file)
    private static RSAKey fixedOtherKey(String keyId) {
        RSAKey other = OTHER_KEY;
        return new RSAKey.Builder(other).keyID(keyId).build();
    }

    private static final RSAKey OTHER_KEY = loadOtherKey();

    private static RSAKey loadOtherKey() {
        try (InputStream in = HostileCorpus.class.getResourceAsStream("/hostile/corpus-attacker-key.json")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /hostile/corpus-attacker-key.json");
            }
            return RSAKey.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (ParseException ex) {
            throw new IllegalStateException(ex);
        }
    }

    // Keycloak's claims with a fixed jti, so the generated files are the same on every run
    private static JWTClaimsSet.Builder corpusClaims(Instant issuedAt, String username, String... clientRoles) {
        return TokenIssuer.accessTokenClaims(issuedAt, username, clientRoles).jwtID("corpus-token");
    }

    private static String claimsJson(JWTClaimsSet claims) {
        return claims.toString();
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String escape(String line) {
        StringBuilder out = new StringBuilder();
        for (char ch : line.toCharArray()) {
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (ch < 0x20 || ch >= 0x7f) {
                        out.append(String.format("\\x%02x", (int) ch & 0xff));
                    } else {
                        out.append(ch);
                    }
                }
            }
        }
        return out.toString();
    }

    static String unescape(String line) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch != '\\' || i + 1 >= line.length()) {
                out.append(ch);
                continue;
            }
            char next = line.charAt(++i);
            switch (next) {
                case 'r' -> out.append('\r');
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'x' -> {
                    out.append((char) Integer.parseInt(line.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> out.append(next);
            }
        }
        return out.toString();
    }
}
