package dev.silentrefresh.rotation.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 10, items 1 and 2 on one node: 200 virtual users keep rotation chains against the executor while some of them
 * race, lose responses and steal (see {@link RotationSoak}); then the same with a {@code kill -9} of Keycloak in the
 * middle. The soak's server is the README's {@code kc.sh start-dev} (H2 in a file); the crash test's is production mode
 * on PostgreSQL (see there why); both with the demo realm's executor settings (grace window 10 s, revocation of the
 * client session).
 *
 * <p>The soak lasts {@code -Dsoak.duration} (ISO-8601, default two minutes); the long run:
 * {@code ./mvnw -B -pl benchmarks -am -Dsoak.duration=PT30M -Dit.test=RotationSoakIT#soakWithThieves
 * -Dit.failIfNoSpecifiedTests=false -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false verify}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RotationSoakIT {

    static final Duration GRACE_WINDOW = Duration.ofSeconds(10);
    private static BenchKeycloak keycloak;

    @BeforeAll
    static void startKeycloak() throws Exception {
        keycloak = BenchKeycloak.start(BenchKeycloak.Mode.DEV_H2, Path.of("target", "soak").toAbsolutePath(), 8580, 9580);
        RotationProfile.configure(keycloak.admin().realm(BenchKeycloak.DEMO_REALM), (int) GRACE_WINDOW.toSeconds(), "client-session", true);
        BenchKeycloak.prepareForLoad(keycloak.admin());
    }

    @AfterAll
    static void stopKeycloak() throws Exception {
        if (keycloak != null) {
            keycloak.close();
        }
    }

    static RotationSoak.Settings settings(int users, Duration duration) {
        return new RotationSoak.Settings(users, duration, GRACE_WINDOW, Duration.ofMillis(500), Duration.ofMillis(1500), 0.05, 0.05, 0.01);
    }

    /**
     * Found by the soak's thieves: after a revocation the victim's browser logs in again silently, which gives it a new
     * client session under the same user session; a thief caught there within a minute used to be told "revoked" while
     * nothing was, because the revocation's claim on (user session, client) was still alive.
     */
    @Test
    @Order(0)
    void aReplayInTheClientSessionOfASilentReLoginRevokesThatClientSession() {
        OidcTestClient spa = new OidcTestClient(keycloak.baseUrl(), BenchKeycloak.DEMO_REALM, BenchKeycloak.SPA, BenchKeycloak.SPA_REDIRECT);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        for (int login = 1; login <= 2; login++) {
            TokenResponse stolen = spa.login(browser, "bob", "bob", "");
            TokenResponse newest = ok(spa.refresh(ok(spa.refresh(stolen.refreshToken())).refreshToken()));

            assertEquals(400, spa.refresh(stolen.refreshToken()).status(), "login " + login + ": the replay is refused");

            assertEquals(400, spa.refresh(newest.refreshToken()).status(), "login " + login + ": the replay revoked the client session");
        }
    }

    @Test
    @Order(1)
    void soakWithThieves() throws Exception {
        Duration duration = Duration.parse(System.getProperty("soak.duration", "PT2M"));
        RotationSoak soak = new RotationSoak(List.of(keycloak.baseUrl()), settings(200, duration));

        RotationSoak.Result result = soak.run(() -> { });

        report("soak", result.summary());
        assertEquals(List.of(), result.problems(), "every virtual user ran to the end");
        assertEquals(0, result.honestChainsRevoked(), "honest chains revoked: " + result.honestRevocations());
        assertEquals(0, result.serverErrors(), "5xx answers: " + result.calls().outcomes());
        assertThievesCaught(result, true);
        assertEquals(java.util.Set.of(), TokenLeaks.in(keycloak.serverLog(), result.tokenSignatures()),
                "a token value reached Keycloak's log");
    }

    /**
     * Keycloak dies ({@code kill -9}) while the users refresh, and is started again on its data. The users go on as the
     * project's browser client does (see {@link RotationSoak}); a token rotated out before the crash is still reuse, and a
     * family revoked before the crash stays revoked.
     *
     * <p>On PostgreSQL in production mode, not on {@code start-dev}'s H2: H2 keeps the last second or so of commits in
     * memory before it writes them, so a {@code kill -9} can lose a login or a rotation that Keycloak had already answered
     * (seen in CI: a login answered just before the kill was gone after the restart, and its first refresh got
     * "Session doesn't have required client"). What this test proves needs a database that keeps what it committed.
     */
    @Test
    @Order(2)
    void killMinusNineInTheMiddleOfTheSoak() throws Exception {
        keycloak.close();
        keycloak = null;
        keycloak = BenchKeycloak.start(BenchKeycloak.Mode.PRODUCTION_POSTGRES, Path.of("target", "soak-crash").toAbsolutePath(), 8580, 9580);
        RotationProfile.configure(keycloak.admin().realm(BenchKeycloak.DEMO_REALM), (int) GRACE_WINDOW.toSeconds(), "client-session", true);
        BenchKeycloak.prepareForLoad(keycloak.admin());
        OidcTestClient spa = new OidcTestClient(keycloak.baseUrl(), BenchKeycloak.DEMO_REALM, BenchKeycloak.SPA, BenchKeycloak.SPA_REDIRECT);
        TokenResponse witnessLogin = spa.login("bob", "bob");
        TokenResponse witnessNewest = ok(spa.refresh(ok(spa.refresh(witnessLogin.refreshToken())).refreshToken()));
        TokenResponse revokedLogin = spa.login("bob", "bob");
        TokenResponse revokedNewest = ok(spa.refresh(revokedLogin.refreshToken()));
        ok(spa.refresh(revokedNewest.refreshToken()));
        assertEquals(400, spa.refresh(revokedLogin.refreshToken()).status(), "a replay before the crash revokes its family");

        RotationSoak soak = new RotationSoak(List.of(keycloak.baseUrl()), settings(200, Duration.ofSeconds(40)));
        long[] restartedAt = new long[1];
        RotationSoak.Result result = soak.run(() -> {
            Thread.sleep(Duration.ofSeconds(20).toMillis());
            // a loaded machine may take longer to restart Keycloak than the soak has left (seen in CI: the users whose
            // duration ran out during the restart stopped, and 89 of 198 never refreshed afterwards)
            soak.holdOpen();
            keycloak.kill();
            keycloak.startAgain();
            restartedAt[0] = System.nanoTime();
            // the users who lost a request to the crash log in again, a few at a time; the soak goes on until every honest
            // user has refreshed since the restart (bounded), so the test measures whether they can, not how fast
            soak.endAt(restartedAt[0] + Duration.ofSeconds(30).toNanos());
            soak.extendUntilEveryHonestUserRefreshedSince(restartedAt[0], Duration.ofMinutes(3));
        });

        report("crash", result.summary() + String.format("  after the restart: %d of %d honest users refreshed; most recoveries of one user: %d;"
                + " thief episodes cut short by the crash: %d%n", soak.honestUsersRefreshedSince(restartedAt[0]), result.honestChains(),
                soak.mostRecoveriesOfOneUser(), soak.interruptedEpisodes()));
        assertEquals(List.of(), result.problems(), "every virtual user ran to the end");
        assertEquals(0, result.honestChainsRevoked(), "honest chains revoked: " + result.honestRevocations());
        int honestUsers = result.honestChains();
        assertEquals(honestUsers, soak.honestUsersRefreshedSince(restartedAt[0]), "every honest chain went on after the restart");
        assertTrue(soak.mostRecoveriesOfOneUser() <= 1, "an honest user needed " + soak.mostRecoveriesOfOneUser() + " recoveries");
        assertThievesCaught(result, false);

        assertEquals(400, spa.refresh(witnessLogin.refreshToken()).status(), "a token rotated out before the crash is still reuse");
        assertEquals(400, spa.refresh(witnessNewest.refreshToken()).status(), "... and that replay revoked its family");
        assertEquals(400, spa.refresh(revokedNewest.refreshToken()).status(), "a family revoked before the crash stays revoked");
        assertEquals(java.util.Set.of(), TokenLeaks.in(keycloak.serverLog(), result.tokenSignatures()),
                "a token value reached Keycloak's log");
    }

    /** The soak long enough for every kind of theft; a crash test, whose thieves lose episodes to the crash, for one at least. */
    static void assertThievesCaught(RotationSoak.Result result, boolean everyKindOfTheft) {
        for (RotationSoak.Theft theft : everyKindOfTheft ? List.of(RotationSoak.Theft.values()) : List.<RotationSoak.Theft>of()) {
            assertTrue(result.episodes(theft) > 0, "no " + theft + " episode: " + result.episodes());
        }
        assertFalse(result.episodes().isEmpty(), "no thief episode ran to its end");
        assertEquals(result.episodes().size(), result.thievesDetected(), "every thief is detected: " + result.episodes());
        assertTrue(result.episodes().stream().allMatch(RotationSoak.Episode::bothRefusedAfterwards),
                "after detection neither the victim's nor the thief's newest token works: " + result.episodes());
        assertTrue(result.mostReplaysHonoured() <= 1, "a stolen token bought more than one refresh: " + result.episodes());
        assertTrue(result.mostThiefRefreshes(RotationSoak.Theft.IN_WINDOW_THEN_WAIT) <= 1, result.episodes().toString());
        assertTrue(result.mostThiefRefreshes(RotationSoak.Theft.LEAPFROG) <= 1, result.episodes().toString());
        assertEquals(0, result.mostThiefRefreshes(RotationSoak.Theft.AFTER_WINDOW), result.episodes().toString());
        // the sibling, plus the one rotation it made before the victim's next refresh revealed it (the rule's bound)
        assertTrue(result.mostThiefRefreshes(RotationSoak.Theft.IN_WINDOW_THEN_ROTATE) <= 2, result.episodes().toString());
    }

    static TokenResponse ok(TokenResponse response) {
        assertEquals(200, response.status(), response.toString());
        return response;
    }

    static void report(String name, String text) throws IOException {
        System.out.print(text);
        Files.writeString(Path.of("target", name + "-result.txt"), text);
    }
}
