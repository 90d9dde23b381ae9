package dev.silentrefresh.demo.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.Set;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;

/**
 * The claim checks for a Keycloak access token: Nimbus' {@code iss}, {@code aud}, {@code exp} and {@code nbf} checks on an
 * injected clock, plus Keycloak's own token type.
 *
 * <p>Keycloak signs ID tokens ({@code typ: ID}) and refresh tokens ({@code typ: Refresh}, {@code Offline}) with the same
 * realm key and the same header {@code typ: JWT} as access tokens, so only the payload {@code typ} tells them apart.
 */
final class AccessTokenClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {

    static final String KEYCLOAK_TOKEN_TYPE = "typ";
    static final String ACCESS_TOKEN_TYPE = "Bearer";

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
    public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
        super.verify(claims, context);
        Object tokenType = claims.getClaim(KEYCLOAK_TOKEN_TYPE);
        if (tokenType != null && !ACCESS_TOKEN_TYPE.equals(tokenType)) {
            throw new BadJWTException("JWT is not an access token");
        }
    }

    @Override
    protected Date currentTime() {
        return Date.from(this.clock.instant());
    }
}
