package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.DemoRealmAdmin.describe;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.assertInvalidGrant;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.ok;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Date;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientPolicyRepresentation;
import org.keycloak.representations.idm.ClientProfileRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.remote.timeoffset.InjectTimeOffSet;
import org.keycloak.testframework.remote.timeoffset.TimeOffSet;
import org.keycloak.testframework.server.KeycloakUrls;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.id.JWTID;

/**
 * Issue 15, part 1: {@code bound-token-retry} on a real Keycloak 26.7.3, with the realm file's {@code demo-spa-dpop}
 * (grace window 10 s, bound-token retry on) and proofs made by Connect2id's {@link DefaultDPoPProofFactory}.
 *
 * <p>A lost answer is a refresh whose response the test ignores. "Five minutes after the window" is Keycloak's own clock
 * moved on ({@link TimeOffSet}, the test framework's time offset); the DPoP proofs are dated by the same clock, since
 * Keycloak refuses a proof whose {@code iat} is far from its own time.
 */
@KeycloakIntegrationTest(config = RefreshTokenRotationIT.ServerConfig.class)
class BoundTokenRetryIT {

    private static final String REALM = "demo";
    private static final String DPOP_CLIENT = "demo-spa-dpop";
    private static final String BEARER_CLIENT = "demo-spa";
    private static final String REDIRECT = "http://localhost:8081/";
    private static final int GRACE_SECONDS = 10;
    /** Five minutes after the realm file's 10 s window closed. */
    private static final int FIVE_MINUTES_AFTER_THE_WINDOW = GRACE_SECONDS + 300;

    @InjectAdminClient
    Keycloak keycloakAdmin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    @InjectTimeOffSet
    TimeOffSet timeOffSet;

    private RealmResource realm;
    private DemoRealmAdmin admin;
    /** Keycloak's clock offset the proofs are dated by, in seconds. */
    private volatile int offsetSeconds;
    private OidcTestClient holder;
    private OidcTestClient otherKey;
    private OidcTestClient noProof;
    private OidcTestClient bearer;

    @BeforeEach
    void keysAndClients() throws JOSEException {
        realm = keycloakAdmin.realm(REALM);
        admin = new DemoRealmAdmin(realm);
        admin.setRealmRevokeRefreshToken(false);
        OidcTestClient dpopClient = new OidcTestClient(urls.getBase(), REALM, DPOP_CLIENT, REDIRECT);
        holder = dpopClient.withDpopProofs(proofsBy(newKey()));
        otherKey = dpopClient.withDpopProofs(proofsBy(newKey()));
        noProof = dpopClient;
        bearer = new OidcTestClient(urls.getBase(), REALM, BEARER_CLIENT, REDIRECT);
        realm.clearEvents();
    }

    @AfterEach
    void clockBack() {
        moveKeycloaksClock(0);
    }

    @Test
    void theRealmFileGivesTheDpopClientAPolicyAndProfileOfItsOwnWithBoundTokenRetry() {
        List<ClientPolicyRepresentation> policies = realm.clientPoliciesPoliciesResource().getPolicies(false).getPolicies();
        List<ClientProfileRepresentation> profiles = realm.clientPoliciesProfilesResource().getProfiles(false).getProfiles();
        ClientProfileRepresentation dpopProfile = profiles.stream().filter(p -> "refresh-token-rotation-dpop".equals(p.getName()))
                .findFirst().orElseThrow(() -> new AssertionError("no profile refresh-token-rotation-dpop: " + profiles));
        assertEquals("true", dpopProfile.getExecutors().get(0).getConfiguration().path("bound-token-retry").asText());
        assertTrue(policies.stream().anyMatch(p -> p.getProfiles().contains("refresh-token-rotation-dpop") && p.isEnabled()));
        assertEquals("dpop-bound", realm.clients().findByClientId(DPOP_CLIENT).get(0).getAttributes().get("refresh-token-rotation"),
                "the DPoP client is selected by its own policy only (two policies would merge to the stricter: no bound retry)");
        ClientProfileRepresentation bearerProfile = profiles.stream().filter(p -> "refresh-token-rotation".equals(p.getName()))
                .findFirst().orElseThrow();
        assertTrue(bearerProfile.getExecutors().get(0).getConfiguration().path("bound-token-retry").isMissingNode(),
                "the bearer client keeps the default (off)");
    }

    @Test
    void theConsumedTokenRetriedFiveMinutesAfterTheWindowWithTheFamilysKeyGetsASiblingAndTheFamilyStaysOneChain() {
        TokenResponse login = holder.login("alice", "alice");
        TokenResponse lostAnswer = ok(holder.refresh(login.refreshToken()));

        moveKeycloaksClock(FIVE_MINUTES_AFTER_THE_WINDOW);
        TokenResponse sibling = ok(holder.refresh(login.refreshToken()));

        assertAll(
                () -> assertEquals(1, sibling.refreshTokenGeneration(), "a sibling of the lost answer's token"),
                () -> assertEquals(family(login), family(sibling), "one family"),
                () -> assertEquals(jkt(login), jkt(sibling), "bound to the same key"),
                () -> assertTrue(admin.reuseEvents().isEmpty(), describe(admin.refreshErrors())));
        List<EventRepresentation> boundSiblings = boundRetryEvents();
        assertEquals(1, boundSiblings.size(), describe(boundSiblings));
        assertEquals(family(login), boundSiblings.get(0).getDetails().get("refresh_token_family"));

        // the sibling moves the family on; the lost answer's token is then another holder's copy: reuse
        TokenResponse next = ok(holder.refresh(sibling.refreshToken()));
        assertEquals(2, next.refreshTokenGeneration());
        assertInvalidGrant(holder.refresh(lostAnswer.refreshToken()));
        assertEquals(1, admin.reuseEvents().size(), describe(admin.refreshErrors()));
    }

    @Test
    void aRetryLoopWhoseAnswersKeepGettingLostNeverRunsOutAndOnlyTheNewestSiblingsStayAlive() {
        TokenResponse login = holder.login("alice", "alice");
        ok(holder.refresh(login.refreshToken()));
        moveKeycloaksClock(FIVE_MINUTES_AFTER_THE_WINDOW);

        // a phone in a tunnel: six retries reach Keycloak, their answers do not reach the phone (max-grace-siblings is 3)
        TokenResponse first = ok(holder.refresh(login.refreshToken()));
        TokenResponse latest = first;
        for (int retry = 2; retry <= 6; retry++) {
            moveKeycloaksClock(FIVE_MINUTES_AFTER_THE_WINDOW + retry * 15);
            latest = ok(holder.refresh(login.refreshToken()));
            assertEquals(1, latest.refreshTokenGeneration());
        }
        assertTrue(admin.reuseEvents().isEmpty(), describe(admin.refreshErrors()));
        assertEquals(6, boundRetryEvents().size());

        // the first sibling was retired by the newer ones: refused, nothing revoked (it was presented with the key)
        TokenResponse retired = holder.refresh(first.refreshToken());
        assertInvalidGrant(retired);
        assertTrue(admin.reuseEvents().isEmpty(), "a retired sibling is no theft: " + describe(admin.refreshErrors()));
        assertTrue(admin.refreshErrors().stream().anyMatch(e -> "refresh_token_sibling_retired".equals(e.getError())),
                describe(admin.refreshErrors()));

        // the answer that finally arrives carries the newest sibling, and it goes on
        TokenResponse next = ok(holder.refresh(latest.refreshToken()));
        assertEquals(2, next.refreshTokenGeneration());
        ok(holder.refresh(next.refreshToken()));
    }

    @Test
    void theConsumedTokenWithAnotherKeyIsRefusedByKeycloakItselfRevokesNothingAndTheHolderGoesOn() {
        TokenResponse login = holder.login("alice", "alice");
        ok(holder.refresh(login.refreshToken()));
        moveKeycloaksClock(FIVE_MINUTES_AFTER_THE_WINDOW);

        TokenResponse thief = otherKey.refresh(login.refreshToken());

        assertRefusedByKeycloakBeforeTheExecutor(thief);
        TokenResponse sibling = ok(holder.refresh(login.refreshToken()));
        ok(holder.refresh(sibling.refreshToken()));
    }

    @Test
    void theConsumedTokenWithoutAProofIsRefusedByKeycloakItselfRevokesNothingAndTheHolderGoesOn() {
        TokenResponse login = holder.login("alice", "alice");
        ok(holder.refresh(login.refreshToken()));
        moveKeycloaksClock(FIVE_MINUTES_AFTER_THE_WINDOW);

        TokenResponse thief = noProof.refresh(login.refreshToken());

        assertRefusedByKeycloakBeforeTheExecutor(thief);
        TokenResponse sibling = ok(holder.refresh(login.refreshToken()));
        ok(holder.refresh(sibling.refreshToken()));
    }

    @Test
    void aBearerFamilysConsumedTokenFiveMinutesAfterTheWindowIsStillReuse() {
        TokenResponse login = bearer.login("alice", "alice");
        TokenResponse newest = ok(bearer.refresh(login.refreshToken()));
        assertNull(newest.refreshTokenClaims().get("cnf"), "a bearer token");
        moveKeycloaksClock(FIVE_MINUTES_AFTER_THE_WINDOW);

        assertInvalidGrant(bearer.refresh(login.refreshToken()));

        assertEquals(1, admin.reuseEvents().size(), describe(admin.refreshErrors()));
        assertInvalidGrant(bearer.refresh(newest.refreshToken()));
        assertTrue(boundRetryEvents().isEmpty());
    }

    @Test
    void aKeyBoundFamilysOlderAncestorIsReuseEvenWithTheKey() {
        TokenResponse login = holder.login("alice", "alice");
        TokenResponse first = ok(holder.refresh(login.refreshToken()));
        ok(holder.refresh(first.refreshToken()));
        moveKeycloaksClock(FIVE_MINUTES_AFTER_THE_WINDOW);

        // generation 0 after the family is at 2: not the consumed token, so no retry of anything
        assertInvalidGrant(holder.refresh(login.refreshToken()));
        assertEquals(1, admin.reuseEvents().size(), describe(admin.refreshErrors()));
    }

    private void assertRefusedByKeycloakBeforeTheExecutor(TokenResponse refused) {
        List<EventRepresentation> errors = admin.refreshErrors();
        assertAll(
                () -> assertEquals(400, refused.status(), refused::toString),
                () -> assertFalse(refused.errorDescription() != null && refused.errorDescription().startsWith("Refresh token"),
                        "Keycloak's own refusal, not the executor's: " + refused),
                () -> assertTrue(admin.reuseEvents().isEmpty(), "nothing revoked: " + describe(errors)),
                () -> assertTrue(errors.stream().noneMatch(e -> e.getDetails() != null && e.getDetails().containsKey("refresh_token_family")),
                        "the executor decided nothing: " + describe(errors)),
                () -> assertTrue(boundRetryEvents().isEmpty(), "no sibling"));
    }

    private List<EventRepresentation> boundRetryEvents() {
        return realm.getEvents(List.of("REFRESH_TOKEN"), null, null, null, null, null, 0, 1000).stream()
                .filter(e -> e.getDetails() != null && "true".equals(e.getDetails().get("refresh_token_bound_retry")))
                .toList();
    }

    private void moveKeycloaksClock(int seconds) {
        timeOffSet.set(seconds);
        offsetSeconds = seconds;
    }

    private static ECKey newKey() throws JOSEException {
        return new ECKeyGenerator(Curve.P_256).generate();
    }

    /** Proofs by the key, dated by Keycloak's clock as the test has set it. */
    private OidcTestClient.DpopProofs proofsBy(ECKey key) throws JOSEException {
        DefaultDPoPProofFactory factory = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
        return (method, uri) -> {
            try {
                Date issued = new Date(System.currentTimeMillis() + offsetSeconds * 1000L);
                return factory.createDPoPJWT(new JWTID(), method, uri, issued, null).serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException("could not sign a DPoP proof", e);
            }
        };
    }

    private static String family(TokenResponse response) {
        return (String) response.refreshTokenClaims().get("rtr_fam");
    }

    @SuppressWarnings("unchecked")
    private static String jkt(TokenResponse response) {
        Object cnf = response.refreshTokenClaims().get("cnf");
        assertNotEquals(null, cnf, "the refresh token is bound to a key");
        return (String) ((Map<String, Object>) cnf).get("jkt");
    }
}
