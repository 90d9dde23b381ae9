package dev.silentrefresh.demo.testing;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.util.function.UnaryOperator;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.factories.DefaultJWSSignerFactory;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/** A DPoP client's key pair (RFC 9449), making proofs the way a browser with a WebCrypto key would, and broken ones on demand. */
public final class DpopProver {

    private final JWK key;
    private final JWSAlgorithm algorithm;

    private DpopProver(JWK key, JWSAlgorithm algorithm) {
        this.key = key;
        this.algorithm = algorithm;
    }

    /** A new key for {@code ES256}, {@code ES384}, {@code RS256} or {@code PS256}. */
    public static DpopProver withNewKey(JWSAlgorithm algorithm) {
        try {
            if (JWSAlgorithm.Family.EC.contains(algorithm)) {
                Curve curve = Curve.forJWSAlgorithm(algorithm).iterator().next();
                return new DpopProver(new ECKeyGenerator(curve).generate(), algorithm);
            }
            return new DpopProver(new RSAKeyGenerator(2048).generate(), algorithm);
        } catch (JOSEException ex) {
            throw new IllegalStateException("could not generate a key", ex);
        }
    }

    /** The JWK SHA-256 thumbprint (RFC 7638) that an access token bound to this key carries in {@code cnf.jkt}. */
    public String thumbprint() {
        try {
            return this.key.computeThumbprint().toString();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public JWK privateKey() {
        return this.key;
    }

    /** A proof for one request with {@code accessToken}, made now. */
    public String proof(String method, URI uri, String accessToken) {
        return proof(method, uri, accessToken, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /** A proof whose header and claims the caller may change before it is signed. */
    public String proof(String method, URI uri, String accessToken, UnaryOperator<JWSHeader.Builder> header,
                        UnaryOperator<JWTClaimsSet.Builder> claims) {
        JWSHeader.Builder headerBuilder = new JWSHeader.Builder(this.algorithm).type(new JOSEObjectType("dpop+jwt"))
                .jwk(this.key.toPublicJWK());
        JWTClaimsSet.Builder claimsBuilder = new JWTClaimsSet.Builder()
                .jwtID(UUID.randomUUID().toString())
                .claim("htm", method)
                .claim("htu", uri.toString())
                .issueTime(Date.from(Instant.ofEpochSecond(Instant.now().getEpochSecond())));
        if (accessToken != null) {
            claimsBuilder.claim("ath", ath(accessToken));
        }
        return sign(header.apply(headerBuilder).build(), claims.apply(claimsBuilder).build());
    }

    /** Signs any header and claims with this key, whatever algorithm the header names (if the key can do it). */
    public String sign(JWSHeader header, JWTClaimsSet claims) {
        try {
            JWSSigner signer = new DefaultJWSSignerFactory().createJWSSigner(this.key, header.getAlgorithm());
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException ex) {
            throw new IllegalStateException("could not sign a proof", ex);
        }
    }

    /** {@code ath}: base64url(SHA-256(access token)). */
    public static String ath(String accessToken) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(StandardCharsets.US_ASCII));
            return Base64URL.encode(digest).toString();
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
