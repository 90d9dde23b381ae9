package dev.silentrefresh.rotation.it;

import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads a JWT's claims without verifying it, and forges broken variants of it for negative tests. */
public final class Jwt {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Jwt() {
    }

    public static Map<String, Object> claims(String jwt) {
        String[] parts = jwt.split("\\.");
        try {
            return JSON.readValue(Base64.getUrlDecoder().decode(parts[1]), new TypeReference<>() { });
        } catch (Exception e) {
            throw new IllegalArgumentException("not a JWT", e);
        }
    }

    /** The same header and claims with one signature byte changed. */
    public static String withBrokenSignature(String jwt) {
        int lastDot = jwt.lastIndexOf('.');
        byte[] signature = Base64.getUrlDecoder().decode(jwt.substring(lastDot + 1));
        signature[signature.length / 2] ^= 0x01;
        return jwt.substring(0, lastDot + 1) + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    /** The claims changed (here: the generation raised), the original signature kept. */
    public static String withClaim(String jwt, String name, Object value) {
        String[] parts = jwt.split("\\.");
        Map<String, Object> claims = claims(jwt);
        claims.put(name, value);
        try {
            String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(claims));
            return parts[0] + "." + payload + "." + parts[2];
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
