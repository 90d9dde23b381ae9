package dev.silentrefresh.demo.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/** Signs tokens the way Keycloak's realm {@code demo} does, with an RSA key of its own. */
public final class TokenIssuer {

    public static final String ISSUER = "http://localhost:8080/realms/demo";
    public static final String AUDIENCE = "demo-api";
    public static final Duration ACCESS_TOKEN_LIFESPAN = Duration.ofSeconds(60);

    private final RSAKey key;

    private TokenIssuer(RSAKey key) {
        this.key = key;
    }

    /** A new 2048-bit RSA key with the given {@code kid}; takes a moment, so make one per test class. */
    public static TokenIssuer withNewKey(String keyId) {
        try {
            return new TokenIssuer(new RSAKeyGenerator(2048).keyID(keyId).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
                    .generate());
        } catch (JOSEException ex) {
            throw new IllegalStateException("could not generate an RSA key", ex);
        }
    }

    /** Signs with the given RSA key (which must hold the private part). */
    public static TokenIssuer of(RSAKey key) {
        if (!key.isPrivate()) {
            throw new IllegalArgumentException("the key must have its private part to sign");
        }
        return new TokenIssuer(key);
    }

    /** The same key under another {@code kid}: signatures verify with the key, whatever the header says. */
    public TokenIssuer withKeyId(String keyId) {
        return new TokenIssuer(new RSAKey.Builder(this.key).keyID(keyId).build());
    }

    public String keyId() {
        return this.key.getKeyID();
    }

    public RSAKey publicKey() {
        return this.key.toPublicJWK();
    }

    /** The JWKS Keycloak would publish with only this key. */
    public JWKSet jwkSet() {
        return new JWKSet(publicKey());
    }

    /** Header {@code alg: RS256}, {@code typ: JWT} and this key's {@code kid}, as Keycloak sends. */
    public JWSHeader.Builder header() {
        return new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(this.key.getKeyID());
    }

    /** The claims of a Keycloak access token for {@code username}, issued at {@code now} with the given client roles. */
    public static JWTClaimsSet.Builder accessTokenClaims(Instant now, String username, String... clientRoles) {
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(UUID.nameUUIDFromBytes(username.getBytes(StandardCharsets.UTF_8)).toString())
                .audience(List.of(AUDIENCE, "account"))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ACCESS_TOKEN_LIFESPAN)))
                .jwtID(UUID.randomUUID().toString())
                .claim("typ", "Bearer")
                .claim("azp", "demo-spa")
                .claim("scope", "openid profile email")
                .claim("preferred_username", username)
                .claim("email", username + "@example.org")
                .claim("name", capitalised(username) + " Example")
                .claim("given_name", capitalised(username))
                .claim("family_name", "Example")
                .claim("resource_access", Map.of(
                        AUDIENCE, Map.of("roles", List.of(clientRoles)),
                        "account", Map.of("roles", List.of("manage-account", "view-profile"))));
    }

    public String sign(JWTClaimsSet claims) {
        return sign(header().build(), claims);
    }

    public String sign(JWSHeader header, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(new RSASSASigner(this.key));
        } catch (JOSEException ex) {
            throw new IllegalStateException("could not sign a token", ex);
        }
        return jwt.serialize();
    }

    /** Signs {@code payload} exactly as given (which need not be valid claims, or JSON at all) with this key's header. */
    public String signPayload(String payload) {
        JWSObject jws = new JWSObject(header().build(), new Payload(payload));
        try {
            jws.sign(new RSASSASigner(this.key));
        } catch (JOSEException ex) {
            throw new IllegalStateException("could not sign a payload", ex);
        }
        return jws.serialize();
    }

    private static String capitalised(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
