package dev.silentrefresh.demo.browser;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.DemoServer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserSessionRepresentation;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakUrls;

/**
 * What every browser test stands on: a real Keycloak 26.7.3 (started by Keycloak's test framework, {@code kc.sh start-dev})
 * with this project's {@code refresh-token-rotation} executor and the project's {@code realm-export.json}; the real Jetty app;
 * a headless Chromium; and between the browser and Keycloak a {@link KeycloakProxy} that sees, and can break, every
 * token-endpoint request (the client's token owner runs in a SharedWorker, whose requests Playwright cannot see).
 *
 * <p>The realm's access tokens are shortened to {@value #ACCESS_TOKEN_SECONDS} s so a test can watch several expiries. Each
 * test gets a fresh browser context and starts without any session of alice and without any recorded event. Token-endpoint
 * traffic is counted three ways: on the wire (the proxy), by the page ({@code window.__demo.stats}) and by Keycloak's events.
 * The test classes share one Keycloak (the framework reuses a server within the JVM while the next class asks for the same
 * configuration class: they all name {@link dev.silentrefresh.demo.testing.KeycloakWithExtension}, as the signing-key test
 * does, so the web app's integration tests start Keycloak once, and once more at DEBUG for the token-leak test); each class
 * has its own realm import, app and proxy.
 */
abstract class BrowserTest {

    static final String SPA = "demo-spa";
    static final String DPOP_SPA = "demo-spa-dpop";
    static final String REUSED = "refresh_token_reused";
    static final int ACCESS_TOKEN_SECONDS = 10;
    static final int CLOCK_SKEW_SECONDS = 1;
    /** The demo realm's grace-period-seconds, which the page learns from /config.json. */
    static final int GRACE_SECONDS = 10;

    @InjectAdminClient
    Keycloak admin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    static Chromium chromium;
    static Browser browser;
    static KeycloakProxy proxy;
    static Server app;
    static String appUrl;

    RealmResource realm;
    String aliceId;
    BrowserContext context;
    BrowserTraffic traffic;

    @BeforeAll
    static void launchChromium() {
        chromium = Chromium.launch();
        browser = chromium.browser();
    }

    @BeforeEach
    void startTheAppAndPrepareTheRealm() throws Exception {
        if (app == null) {
            proxy = KeycloakProxy.start(urls.getBase());
            app = DemoServer.newServer(0, appConfig());
            app.start();
            appUrl = urlOf(app);
        }
        realm = demoRealm.admin();
        letTheSpasLogInFrom(appUrl);
        RealmRepresentation settings = realm.toRepresentation();
        if (settings.getAccessTokenLifespan() == null || settings.getAccessTokenLifespan() != ACCESS_TOKEN_SECONDS) {
            settings.setAccessTokenLifespan(ACCESS_TOKEN_SECONDS);
            realm.update(settings);
        }
        aliceId = realm.users().search("alice", true).get(0).getId();
        realm.users().get(aliceId).logout();
        realm.clearEvents();
        proxy.reset();

        context = browser.newContext();
        traffic = BrowserTraffic.watch(context, appUrl);
    }

    @AfterEach
    void closeTheBrowserContext() {
        if (context != null) {
            context.close();
        }
    }

    @AfterAll
    static void stopChromiumTheAppAndTheProxy() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
        if (app != null) {
            app.stop();
            app = null;
        }
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }

    /**
     * Replaces this test's browser context by one that ignores the pages' Content Security Policy (Trusted Types included),
     * for tests of what a script that got around it could do: the token owner must not rely on the CSP.
     */
    void ignoreThePagesContentSecurityPolicy() {
        context.close();
        context = browser.newContext(new Browser.NewContextOptions().setBypassCSP(true));
        traffic = BrowserTraffic.watch(context, appUrl);
    }

    /** Opens a tab of the app (the browser reaches Keycloak through the proxy). */
    DemoPage open(String query) {
        return DemoPage.open(context, appUrl, proxy.url(), query);
    }

    DemoPage open(BrowserContext in, String query) {
        return DemoPage.open(in, appUrl, proxy.url(), query);
    }

    /** Adds the app's origin (random port) to both SPA clients' redirect URIs, web origins and post-logout redirect URIs. */
    void letTheSpasLogInFrom(String url) {
        for (String clientId : List.of(SPA, DPOP_SPA)) {
            ClientRepresentation spa = realm.clients().findByClientId(clientId).get(0);
            if (spa.getRedirectUris().contains(url)) {
                continue;
            }
            String origin = url.substring(0, url.length() - 1);
            List<String> redirectUris = new ArrayList<>(spa.getRedirectUris());
            redirectUris.add(url);
            redirectUris.add(url + "silent-callback.html");
            spa.setRedirectUris(redirectUris);
            List<String> webOrigins = new ArrayList<>(spa.getWebOrigins());
            webOrigins.add(origin);
            spa.setWebOrigins(webOrigins);
            spa.getAttributes().merge("post.logout.redirect.uris", url, (old, added) -> old + "##" + added);
            realm.clients().get(spa.getId()).update(spa);
        }
    }

    /** The app as the browser tests run it: Keycloak through the proxy, keys straight from Keycloak. */
    DemoConfig appConfig() {
        return appConfig(Map.of());
    }

    DemoConfig appConfig(Map<String, String> extra) {
        Map<String, String> environment = new java.util.HashMap<>(Map.of(
                DemoConfig.KEYCLOAK_URL, proxy.url(),
                DemoConfig.KEYCLOAK_JWKS_URL, urls.getBase() + "/realms/demo/protocol/openid-connect/certs",
                DemoConfig.CLOCK_SKEW_SECONDS, String.valueOf(CLOCK_SKEW_SECONDS),
                DemoConfig.REFRESH_GRACE_SECONDS, String.valueOf(GRACE_SECONDS)));
        environment.putAll(extra);
        return DemoConfig.fromMap(environment);
    }

    static String urlOf(Server server) {
        return "http://localhost:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/";
    }

    /** A refresh-token grant sent straight to the token endpoint (through the proxy, so the issuer matches), as a thief would. */
    HttpResponse<String> postRefreshGrant(String clientId, String refreshToken) {
        String form = "grant_type=refresh_token&client_id=" + clientId + "&refresh_token="
                + URLEncoder.encode(refreshToken, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(proxy.url() + "/realms/demo/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("the token endpoint could not be reached", e);
        }
    }

    /**
     * Clicks "Call API" in each tab in turn, one click every {@code everyMillis}, for {@code duration}.
     *
     * @return the number of clicks
     */
    static int clickEvery(List<DemoPage> tabs, long everyMillis, Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        int clicks = 0;
        while (System.nanoTime() < end) {
            DemoPage tab = tabs.get(clicks % tabs.size());
            tab.waitUntil("!document.getElementById('call-api').disabled");
            tab.click("call-api");
            clicks++;
            tab.idle(everyMillis);
        }
        return clicks;
    }

    /** Waits for the next refresh to complete, and a second more for the other tabs and Keycloak's event store. */
    static void waitForTheNextRefresh(DemoPage tab) {
        int generation = tab.generation();
        tab.waitForGenerationAbove(generation, 2_000L * ACCESS_TOKEN_SECONDS);
        tab.idle(1000);
    }

    /** True while Keycloak has the user session {@code sessionId} with a client session of {@code clientId} in it. */
    boolean isInSession(String sessionId, String clientId) {
        return aliceSessions().stream()
                .anyMatch(session -> sessionId.equals(session.getId()) && session.getClients().containsValue(clientId));
    }

    List<UserSessionRepresentation> aliceSessions() {
        return realm.users().get(aliceId).getUserSessions();
    }

    static Predicate<EventRepresentation> inSession(String sessionId) {
        return event -> sessionId.equals(event.getSessionId());
    }

    /** This test's events of one type for demo-spa (the events are cleared before each test). */
    List<EventRepresentation> events(String type) {
        return events(type, SPA);
    }

    List<EventRepresentation> events(String type, String clientId) {
        return realm.getEvents(List.of(type), clientId, null, null, null, null, 0, 1000);
    }

    /** Like {@link #events(String)}, filtered, waiting up to 5 s for at least {@code expected} (the store may lag). */
    List<EventRepresentation> awaitEvents(String type, Predicate<EventRepresentation> filter, int expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            List<EventRepresentation> found = events(type).stream().filter(filter).toList();
            if (found.size() >= expected || System.nanoTime() > deadline) {
                return found;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return found;
            }
        }
    }

    /** The error codes of this test's REFRESH_TOKEN_ERROR events. */
    List<String> refreshErrors() {
        return errorsOf(events("REFRESH_TOKEN_ERROR"));
    }

    /** The logs of some tabs, for the message of a failed assertion. */
    static String logsOf(DemoPage... tabs) {
        StringBuilder logs = new StringBuilder();
        for (int i = 0; i < tabs.length; i++) {
            logs.append("--- tab ").append(i + 1).append('\n').append(String.join("\n", tabs[i].logLines())).append('\n');
        }
        return logs.toString();
    }

    /** Prints what a test measured (counts and error codes only, never a token), for the build log. */
    static void measured(String test, String what) {
        System.out.println("[measured] " + test + ": " + what);
    }

    /** The error codes of events (never their details), for assertions and their messages. */
    static List<String> errorsOf(List<EventRepresentation> events) {
        return events.stream().map(EventRepresentation::getError).collect(Collectors.toList());
    }
}
