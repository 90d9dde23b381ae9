package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.DemoRealmAdmin.describe;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.ok;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakUrls;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;

/**
 * Keycloak 26.7.3 verifies a refresh request's DPoP proof (RFC 9449) and the refresh token's {@code cnf.jkt} binding
 * before the executor sees the token (issue 15, part 1): with the realm's {@code demo-spa-dpop}, a proof by another key or
 * no proof is refused with 400 by Keycloak itself, the executor takes no decision (no reuse recorded, nothing revoked,
 * the family where it was), and the honest holder of the key goes on. Proofs come from Connect2id's
 * {@link DefaultDPoPProofFactory}.
 */
@KeycloakIntegrationTest(config = RefreshTokenRotationIT.ServerConfig.class)
class DpopBoundRefreshIT {

    private static final String REALM = "demo";
    private static final String DPOP_CLIENT = "demo-spa-dpop";
    private static final String REDIRECT = "http://localhost:8081/";

    @InjectAdminClient
    Keycloak keycloakAdmin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    private RealmResource realm;
    private DemoRealmAdmin admin;
    private ECKey holderKey;
    private OidcTestClient holder;
    private OidcTestClient otherKey;
    private OidcTestClient noProof;

    @BeforeEach
    void startFromTheImportedRealm() throws JOSEException {
        realm = keycloakAdmin.realm(REALM);
        admin = new DemoRealmAdmin(realm);
        admin.configureRotation(0, "client-session", true);
        admin.setRealmRevokeRefreshToken(false);
        holderKey = newKey();
        OidcTestClient client = new OidcTestClient(urls.getBase(), REALM, DPOP_CLIENT, REDIRECT);
        holder = client.withDpopProofs(proofsBy(holderKey));
        otherKey = client.withDpopProofs(proofsBy(newKey()));
        noProof = client;
        realm.clearEvents();
    }

    @Test
    void theRefreshTokenIsBoundToTheKeyAndAProofByThatKeyRotatesIt() throws JOSEException {
        TokenResponse login = holder.login("alice", "alice");
        assertEquals(holderKey.computeThumbprint().toString(), jkt(login), "the refresh token is bound to the holder's key");

        TokenResponse first = ok(holder.refresh(login.refreshToken()));

        assertEquals(1, first.refreshTokenGeneration());
        assertEquals(jkt(login), jkt(first), "the new refresh token is bound to the same key");
    }

    @Test
    void aProofByAnotherKeyIsRefusedByKeycloakBeforeTheExecutorDecidesAnything() {
        TokenResponse login = holder.login("alice", "alice");
        TokenResponse newest = ok(holder.refresh(login.refreshToken()));

        TokenResponse withOtherKey = otherKey.refresh(newest.refreshToken());
        TokenResponse oldWithOtherKey = otherKey.refresh(login.refreshToken());

        assertRefusedByKeycloakAlone(withOtherKey, oldWithOtherKey);
        TokenResponse next = ok(holder.refresh(newest.refreshToken()));
        assertEquals(2, next.refreshTokenGeneration(), "the family is where it was");
        ok(holder.refresh(next.refreshToken()));
    }

    @Test
    void noProofIsRefusedByKeycloakBeforeTheExecutorDecidesAnything() {
        TokenResponse login = holder.login("alice", "alice");
        TokenResponse newest = ok(holder.refresh(login.refreshToken()));

        TokenResponse withoutProof = noProof.refresh(newest.refreshToken());
        TokenResponse oldWithoutProof = noProof.refresh(login.refreshToken());

        assertRefusedByKeycloakAlone(withoutProof, oldWithoutProof);
        TokenResponse next = ok(holder.refresh(newest.refreshToken()));
        assertEquals(2, next.refreshTokenGeneration(), "the family is where it was");
        ok(holder.refresh(next.refreshToken()));
    }

    /**
     * Both refusals are 400 from Keycloak's own checks: no reuse recorded, no family refused by the executor, nothing
     * revoked (the caller then shows that the holder's chain goes on at the next generation).
     */
    private void assertRefusedByKeycloakAlone(TokenResponse newestRefused, TokenResponse oldRefused) {
        List<EventRepresentation> errors = admin.refreshErrors();
        assertAll(
                () -> assertEquals(400, newestRefused.status(), newestRefused::toString),
                () -> assertEquals(400, oldRefused.status(), oldRefused::toString),
                () -> assertFalse(isTheExecutorsRefusal(newestRefused), "not the executor's refusal: " + newestRefused),
                () -> assertFalse(isTheExecutorsRefusal(oldRefused), "not the executor's refusal: " + oldRefused),
                () -> assertTrue(admin.reuseEvents().isEmpty(), "no reuse decided: " + describe(errors)),
                () -> assertTrue(errors.stream().noneMatch(e -> "refresh_token_family_inactive".equals(e.getError())), describe(errors)),
                () -> assertTrue(errors.stream().noneMatch(e -> e.getDetails() != null && e.getDetails().containsKey("refresh_token_family")),
                        "no event of the executor: " + describe(errors)));
    }

    /** The executor refuses with these descriptions (reuse, or a family no longer active). */
    private static boolean isTheExecutorsRefusal(TokenResponse response) {
        String description = response.errorDescription();
        return description != null && (description.startsWith("Refresh token reuse") || description.startsWith("Refresh token family"));
    }

    private static ECKey newKey() throws JOSEException {
        return new ECKeyGenerator(Curve.P_256).generate();
    }

    private static OidcTestClient.DpopProofs proofsBy(ECKey key) {
        return (method, uri) -> {
            try {
                return new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256).createDPoPJWT(method, uri).serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException("could not sign a DPoP proof", e);
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static String jkt(TokenResponse response) {
        Object cnf = response.refreshTokenClaims().get("cnf");
        return cnf instanceof Map<?, ?> confirmation ? (String) ((Map<String, Object>) confirmation).get("jkt") : null;
    }
}
