package dev.silentrefresh.demo.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;

/**
 * The claim checks for a Keycloak access token: Nimbus' {@code iss}, {@code aud}, {@code exp} and {@code nbf} checks on an
 * injected clock, plus Keycloak's own token type.
 *
 * <p>Keycloak types access tokens {@code Bearer}, or {@code DPoP} when they are bound to a key; a {@code DPoP} token must
 * carry that key's thumbprint in {@code cnf.jkt} (RFC 9449 §6.1), and a {@code cnf} claim, when present, must be well formed.
 *
 * <p>Keycloak signs ID tokens ({@code typ: ID}) and refresh tokens ({@code typ: Refresh}, {@code Offline}) with the same
 * realm key and the same header {@code typ: JWT} as access tokens, so only the payload {@code typ} tells them apart.
 */
final class AccessTokenClaimsVerifier<C extends SecurityContext> extends DefaultJWTClaimsVerifier<C> {

    static final String KEYCLOAK_TOKEN_TYPE = "typ";
    static final String ACCESS_TOKEN_TYPE = "Bearer";
    static final String DPOP_ACCESS_TOKEN_TYPE = "DPoP";
    static final String CONFIRMATION = "cnf";
    static final String JWK_THUMBPRINT = "jkt";
    // a base64url SHA-256 digest: 43 characters
    private static final Pattern THUMBPRINT = Pattern.compile("[A-Za-z0-9_-]{43}");

    private final Clock clock;

    AccessTokenClaimsVerifier(String issuer, String audience, Duration clockSkew, Clock clock) {
        super(Set.of(Objects.requireNonNull(audience, "audience cannot be null")),
                new JWTClaimsSet.Builder().issuer(Objects.requireNonNull(issuer, "issuer cannot be null")).build(),
                Set.of("exp", "sub"),
                null);
        setMaxClockSkew(Math.toIntExact(Objects.requireNonNull(clockSkew, "clockSkew cannot be null").toSeconds()));
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    @Override
    public void verify(JWTClaimsSet claims, C context) throws BadJWTException {
        super.verify(claims, context);
        Object tokenType = claims.getClaim(KEYCLOAK_TOKEN_TYPE);
        if (tokenType != null && !ACCESS_TOKEN_TYPE.equals(tokenType) && !DPOP_ACCESS_TOKEN_TYPE.equals(tokenType)) {
            throw new BadJWTException("JWT is not an access token");
        }
        String thumbprint = dpopKeyThumbprint(claims);
        if (DPOP_ACCESS_TOKEN_TYPE.equals(tokenType) && thumbprint == null) {
            throw new BadJWTException("DPoP access token without cnf.jkt");
        }
    }

    /**
     * The token's {@code cnf.jkt}, or {@code null} when it has no {@code cnf}.
     *
     * @throws BadJWTException {@code cnf} is present but is not an object with a thumbprint in {@code jkt}
     */
    static String dpopKeyThumbprint(JWTClaimsSet claims) throws BadJWTException {
        Object confirmation = claims.getClaim(CONFIRMATION);
        if (confirmation == null) {
            return null;
        }
        // a cnf of another kind (x5t#S256 for mTLS) binds the token to something this API cannot check: refuse it
        if (!(confirmation instanceof Map<?, ?> members) || !(members.get(JWK_THUMBPRINT) instanceof String thumbprint)
                || !THUMBPRINT.matcher(thumbprint).matches()) {
            throw new BadJWTException("JWT has a cnf claim without a JWK SHA-256 thumbprint");
        }
        return thumbprint;
    }

    @Override
    protected Date currentTime() {
        return Date.from(this.clock.instant());
    }
}
