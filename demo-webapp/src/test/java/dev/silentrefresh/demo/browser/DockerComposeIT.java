package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.microsoft.playwright.BrowserContext;
import dev.silentrefresh.demo.testing.DockerCompose;
import dev.silentrefresh.demo.testing.DockerComposeAvailable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ComponentTypeRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;

/**
 * {@code docker-compose.yml} for real: {@code up --build} builds the web app's image from the jar just packaged and starts
 * it beside Keycloak with the extension jar and the realm mounted, then a headless Chromium uses the demo page against the
 * composed services as a person would; {@code down} at the end. Skipped with the reason where Docker, compose or the
 * images are missing ({@link DockerComposeAvailable}).
 *
 * <p>Keycloak's host ports are free ones (the framework-started Keycloak of the other browser tests may hold 8080 in this
 * JVM); the app keeps 8081, the origin the realm allows. The realm's access tokens are shortened to
 * {@value #ACCESS_TOKEN_SECONDS} s through the admin API so a test can watch one expire. Both services' output lands in
 * {@code target/docker-compose.log}.
 */
@ExtendWith(DockerComposeAvailable.class)
class DockerComposeIT {

    static final Path LOG = Path.of("target", "docker-compose.log").toAbsolutePath();

    private static final String APP_URL = "http://localhost:8081/";
    private static final String REALM = "demo";
    private static final String SPA = "demo-spa";
    private static final String EXECUTOR = "refresh-token-rotation";
    private static final String REUSED = "refresh_token_reused";
    private static final String EXECUTOR_SPI = "org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider";
    private static final int ACCESS_TOKEN_SECONDS = 10;
    /** Keycloak's first start with a provider re-augments Quarkus: a minute on two cores, four when others build too. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);

    private static DockerCompose compose;
    private static String keycloakUrl;
    private static Keycloak admin;
    private static Chromium chromium;

    private RealmResource realm;
    private BrowserContext context;

    @BeforeAll
    static void composeUp() throws Exception {
        int keycloakPort = freePort();
        keycloakUrl = "http://localhost:" + keycloakPort;
        compose = DockerCompose.of("silent-refresh-compose-it",
                Map.of("KEYCLOAK_PORT", String.valueOf(keycloakPort), "KEYCLOAK_MANAGEMENT_PORT", String.valueOf(freePort())), LOG);
        compose.down();
        long starting = System.nanoTime();
        compose.up();
        awaitOk(keycloakUrl + "/realms/" + REALM + "/.well-known/openid-configuration");
        awaitOk(APP_URL + "config.json");
        System.out.printf("[measured] docker-compose.yml up (web-app image built, both services answering) in %d s%n",
                Duration.ofNanos(System.nanoTime() - starting).toSeconds());
        admin = Keycloak.getInstance(keycloakUrl, "master", "admin", "admin", "admin-cli");
        chromium = Chromium.launch();
    }

    @BeforeEach
    void shortTokensAndAFreshBrowser() {
        realm = admin.realm(REALM);
        RealmRepresentation settings = realm.toRepresentation();
        if (settings.getAccessTokenLifespan() != ACCESS_TOKEN_SECONDS) {
            settings.setAccessTokenLifespan(ACCESS_TOKEN_SECONDS);
            realm.update(settings);
        }
        realm.clearEvents();
        context = chromium.browser().newContext();
    }

    @AfterEach
    void closeTheBrowser() {
        if (context != null) {
            context.close();
        }
    }

    @AfterAll
    static void composeDown() {
        if (chromium != null) {
            chromium.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (compose != null) {
            compose.saveLogs();
            compose.down();
        }
    }

    @Test
    void theComposedKeycloakIsThePinnedVersionWithTheExtensionAndTheRealm() {
        var info = admin.serverInfo().getInfo();

        assertEquals(System.getProperty("keycloak.version"), info.getSystemInfo().getVersion());
        List<ComponentTypeRepresentation> executors = info.getComponentTypes().get(EXECUTOR_SPI);
        assertNotNull(executors, "no client-policy executors listed");
        assertTrue(executors.stream().anyMatch(type -> EXECUTOR.equals(type.getId())), "the extension jar is not deployed");
        assertEquals(List.of(SPA), realm.clients().findByClientId(SPA).stream().map(c -> c.getClientId()).toList(),
                "the realm file was not imported");
    }

    @Test
    void aliceLogsInOnKeycloaksPageAndStaysLoggedInAcrossAnAccessTokenExpiry() {
        // Given alice has logged in through Keycloak's login page
        DemoPage tab = DemoPage.open(context, APP_URL, keycloakUrl, "");
        tab.logIn("alice", "alice");
        long loggedInAt = System.currentTimeMillis();
        assertEquals("alice@example.com", tab.text("user-email"));
        int generation = tab.generation();

        // When she stays on the page until her first access token has expired
        tab.waitUntil("Date.now() > " + (loggedInAt + ACCESS_TOKEN_SECONDS * 1000L + 2000), 3_000L * ACCESS_TOKEN_SECONDS);

        // Then the page has refreshed silently, and an API call now succeeds
        assertTrue(tab.generation() > generation, "no refresh across the expiry: generation " + tab.generation());
        int succeeded = tab.stat("apiOk");
        tab.click("call-api");
        tab.waitUntil("s.apiOk > " + succeeded + " || s.apiFailed > 0");
        assertEquals(0, tab.stat("apiFailed"), "failed API calls: " + tab.stats());
        assertEquals("logged-in", tab.state());
        // and the refreshes went to the composed Keycloak, none refused
        assertTrue(events("REFRESH_TOKEN").size() >= 1, "no REFRESH_TOKEN event in Keycloak");
        assertEquals(List.of(), errorsOf(events("REFRESH_TOKEN_ERROR")));
    }

    @Test
    void replayingAnOldRefreshTokenIsRefusedWithInvalidGrantAndRecordedAsReuse() {
        // Given alice is logged in
        DemoPage tab = DemoPage.open(context, APP_URL, keycloakUrl, "");
        tab.logIn("alice", "alice");

        // When she clicks "Replay an old refresh token" (the token owner, a SharedWorker, sends it: Playwright does not
        // see a shared worker's requests, so the page's report of Keycloak's answer is what there is to read)
        tab.click("replay-button");
        tab.waitUntil("s.state === 'logged-out'");
        tab.page().waitForFunction("() => document.getElementById('replay-result').textContent.includes('the app tried to refresh')");

        // Then Keycloak refused it with 400 invalid_grant and the page is logged out
        String replay = tab.text("replay-result");
        assertTrue(replay.contains("Keycloak refused it (HTTP 400 invalid_grant"), replay);
        assertEquals(1, tab.stat("replayCalls"));
        // and the extension recorded one reuse (the app's own next refresh, refused as the session is gone, is no reuse)
        List<String> errors = awaitErrors("REFRESH_TOKEN_ERROR", REUSED);
        assertEquals(1, errors.stream().filter(REUSED::equals).count(), "REFRESH_TOKEN_ERROR events: " + errors);
    }

    private List<EventRepresentation> events(String type) {
        return realm.getEvents(List.of(type), SPA, null, null, null, null, 0, 1000);
    }

    /** The error codes of this test's events of one type, waiting up to 5 s for {@code expected} (the store may lag). */
    private List<String> awaitErrors(String type, String expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<String> errors = errorsOf(events(type));
        while (!errors.contains(expected) && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(200));
            errors = errorsOf(events(type));
        }
        return errors;
    }

    private static List<String> errorsOf(List<EventRepresentation> events) {
        return events.stream().map(EventRepresentation::getError).collect(Collectors.toList());
    }

    private static void awaitOk(String url) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + response.statusCode();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            sleep(Duration.ofSeconds(1));
        }
        throw new IllegalStateException(url + " did not answer 200 within " + START_TIMEOUT.toMinutes() + " min (" + last
                + "); see " + LOG);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
