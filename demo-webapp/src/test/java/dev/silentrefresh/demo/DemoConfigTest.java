package dev.silentrefresh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.nimbusds.jose.JWSAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DemoConfigTest {

    @Test
    void fromMapWhenEmptyThenDefaultsMatchTheDemoRealm() {
        DemoConfig config = DemoConfig.fromMap(Map.of());

        assertEquals(8081, config.port());
        assertEquals(URI.create("http://localhost:8080"), config.keycloakUrl());
        assertEquals("demo", config.realm());
        assertEquals("demo-spa", config.clientId());
        assertEquals("demo-api", config.audience());
        assertEquals(URI.create("http://localhost:8080/realms/demo/protocol/openid-connect/certs"), config.jwksUrl());
        assertEquals(Set.of(JWSAlgorithm.RS256), config.jwtAlgorithms());
        assertEquals(Duration.ofSeconds(5), config.clockSkew());
        assertEquals("http://localhost:8080/realms/demo", config.issuer());
        assertEquals("http://localhost:8080", config.keycloakOrigin());
        assertEquals("demo-spa-dpop", config.dpopClientId());
        assertEquals(Duration.ofSeconds(10), config.refreshGrace());
        assertTrue(config.refreshBoundTokenRetry());
    }

    @Test
    void fromMapWhenBoundTokenRetryIsSetThenUsesItAndRefusesAnythingButTrueOrFalse() {
        assertEquals(false, DemoConfig.fromMap(Map.of("REFRESH_BOUND_TOKEN_RETRY", "false")).refreshBoundTokenRetry());
        assertEquals(true, DemoConfig.fromMap(Map.of("REFRESH_BOUND_TOKEN_RETRY", "TRUE")).refreshBoundTokenRetry());
        assertMessage("REFRESH_BOUND_TOKEN_RETRY must be true or false, got 'yes'", Map.of("REFRESH_BOUND_TOKEN_RETRY", "yes"));
    }

    @Test
    void fromMapWhenJwksUrlUsesAnotherHostThenIssuerKeepsTheBrowsersHost() {
        DemoConfig config = DemoConfig.fromMap(Map.of(
                "KEYCLOAK_JWKS_URL", "http://keycloak:8080/realms/demo/protocol/openid-connect/certs"));

        assertEquals(URI.create("http://keycloak:8080/realms/demo/protocol/openid-connect/certs"), config.jwksUrl());
        assertEquals("http://localhost:8080/realms/demo", config.issuer());
    }

    @Test
    void fromMapWhenEverythingIsSetThenUsesIt() {
        DemoConfig config = DemoConfig.fromMap(Map.of(
                "PORT", "9090",
                "KEYCLOAK_URL", "https://sso.example.org/",
                "KEYCLOAK_REALM", "shop",
                "KEYCLOAK_CLIENT_ID", "shop-spa",
                "API_AUDIENCE", "shop-api",
                "JWT_ALGORITHMS", "RS256, PS256,ES256",
                "CLOCK_SKEW_SECONDS", "0",
                "KEYCLOAK_DPOP_CLIENT_ID", "shop-spa-dpop",
                "REFRESH_GRACE_SECONDS", "30"));

        assertEquals(9090, config.port());
        assertEquals(URI.create("https://sso.example.org"), config.keycloakUrl());
        assertEquals("https://sso.example.org/realms/shop", config.issuer());
        assertEquals(URI.create("https://sso.example.org/realms/shop/protocol/openid-connect/certs"), config.jwksUrl());
        assertEquals("https://sso.example.org", config.keycloakOrigin());
        assertEquals("shop-spa", config.clientId());
        assertEquals("shop-api", config.audience());
        assertEquals(List.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256), List.copyOf(config.jwtAlgorithms()));
        assertEquals(Duration.ZERO, config.clockSkew());
        assertEquals("shop-spa-dpop", config.dpopClientId());
        assertEquals(Duration.ofSeconds(30), config.refreshGrace());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "301"})
    void fromMapWhenRefreshGraceOutOfRangeThenRefused(String seconds) {
        assertMessage("REFRESH_GRACE_SECONDS must be from 0 to 300, got " + seconds, Map.of("REFRESH_GRACE_SECONDS", seconds));
    }

    @Test
    void fromMapWhenValuesAreBlankThenDefaults() {
        DemoConfig config = DemoConfig.fromMap(Map.of("PORT", "", "KEYCLOAK_URL", "  ", "JWT_ALGORITHMS", ""));

        assertEquals(DemoConfig.fromMap(Map.of()), config);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "NONE", "RS256,none"})
    void fromMapWhenAlgorithmNoneThenRefused(String algorithms) {
        assertMessage("JWT_ALGORITHMS must not contain none: it would accept unsigned tokens", Map.of("JWT_ALGORITHMS", algorithms));
    }

    @ParameterizedTest
    @ValueSource(strings = {"HS256", "RS256,HS512"})
    void fromMapWhenHmacAlgorithmThenRefused(String algorithms) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DemoConfig.fromMap(Map.of("JWT_ALGORITHMS", algorithms)));
        assertTrue(error.getMessage().startsWith("JWT_ALGORITHMS must not contain HS"), error.getMessage());
        assertTrue(error.getMessage().contains("shared with Keycloak"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EdDSA", "Ed25519", "rs256"})
    void fromMapWhenAlgorithmIsNotRsaOrEcThenRefused(String algorithms) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DemoConfig.fromMap(Map.of("JWT_ALGORITHMS", algorithms)));
        assertTrue(error.getMessage().startsWith("JWT_ALGORITHMS must contain only RSA or EC signature algorithms"), error.getMessage());
    }

    @Test
    void fromMapWhenAlgorithmListIsOnlyCommasThenRefused() {
        assertMessage("JWT_ALGORITHMS must name at least one algorithm, e.g. RS256", Map.of("JWT_ALGORITHMS", ", ,"));
    }

    @Test
    void fromMapWhenPortIsNotANumberThenNamesPort() {
        assertMessage("PORT must be a whole number, got 'eighty'", Map.of("PORT", "eighty"));
    }

    @Test
    void fromMapWhenPortIsOutOfRangeThenNamesPort() {
        assertMessage("PORT must be from 0 to 65535, got 70000", Map.of("PORT", "70000"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://localhost:8080", "localhost:8080", "http://", "http://user:secret@localhost:8080",
        "http://localhost:8080?x=1", "http://localhost:8080#top", "http://local host"})
    void fromMapWhenKeycloakUrlIsNotAnHttpUrlThenNamesIt(String url) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DemoConfig.fromMap(Map.of("KEYCLOAK_URL", url)));
        assertTrue(error.getMessage().startsWith("KEYCLOAK_URL must be an http or https URL"), error.getMessage());
    }

    @Test
    void fromMapWhenJwksUrlIsNotAnHttpUrlThenNamesIt() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DemoConfig.fromMap(Map.of("KEYCLOAK_JWKS_URL", "file:///etc/passwd")));
        assertTrue(error.getMessage().startsWith("KEYCLOAK_JWKS_URL must be an http or https URL"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo/../master", "my realm", "dämo"})
    void fromMapWhenRealmNeedsEscapingThenRefused(String realm) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DemoConfig.fromMap(Map.of("KEYCLOAK_REALM", realm)));
        assertTrue(error.getMessage().startsWith("KEYCLOAK_REALM must be non-empty letters"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo\"api", "demo\\api", "demo\napi"})
    void fromMapWhenAudienceCannotBeQuotedThenRefused(String audience) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DemoConfig.fromMap(Map.of("API_AUDIENCE", audience)));
        assertTrue(error.getMessage().startsWith("API_AUDIENCE must be non-empty printable ASCII"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "301", "soon"})
    void fromMapWhenClockSkewIsUnusableThenNamesIt(String seconds) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DemoConfig.fromMap(Map.of("CLOCK_SKEW_SECONDS", seconds)));
        assertTrue(error.getMessage().startsWith("CLOCK_SKEW_SECONDS must be"), error.getMessage());
    }

    @Test
    void keycloakOriginWhenUrlHasAPathThenOmitsIt() {
        DemoConfig config = DemoConfig.fromMap(Map.of("KEYCLOAK_URL", "https://example.org:8443/auth"));

        assertEquals("https://example.org:8443", config.keycloakOrigin());
        assertEquals("https://example.org:8443/auth/realms/demo", config.issuer());
    }

    private static void assertMessage(String expected, Map<String, String> environment) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> DemoConfig.fromMap(environment)).getMessage());
    }
}
