package dev.silentrefresh.demo.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.DemoServer;
import dev.silentrefresh.demo.auth.AccessTokenVerifier;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/** The real app on embedded Jetty at port 0, and a JDK HTTP client to call it with. */
public final class TestApp implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Server server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestApp(Server server) {
        this.server = server;
    }

    /** The app as production wires it (JWKS from the config, verified-token cache), on the given clock. */
    public static TestApp start(DemoConfig config, Clock clock, Path staticFiles) throws Exception {
        return start(config, DemoServer.newAccessTokenVerifier(config, clock), clock, staticFiles);
    }

    public static TestApp start(DemoConfig config, AccessTokenVerifier verifier, Clock clock, Path staticFiles) throws Exception {
        Server server = DemoServer.newServer(0, config, staticFiles.toUri(), verifier, clock);
        server.start();
        return new TestApp(server);
    }

    /** Wraps a started server. */
    public static TestApp of(Server server) {
        return new TestApp(server);
    }

    /** The app's settings for tokens from {@link TokenIssuer}, with keys from {@code jwks}. */
    public static DemoConfig configFor(JwksServer jwks) {
        return DemoConfig.fromMap(Map.of(DemoConfig.KEYCLOAK_JWKS_URL, jwks.uri().toString()));
    }

    public URI uri(String pathAndQuery) {
        return this.server.getURI().resolve(pathAndQuery);
    }

    /** GETs {@code pathAndQuery}, sending the given header names and values. */
    public HttpResponse<String> get(String pathAndQuery, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request);
    }

    /** GETs {@code pathAndQuery} with {@code Authorization: Bearer <token>}. */
    public HttpResponse<String> getWithToken(String pathAndQuery, String token) throws IOException, InterruptedException {
        return get(pathAndQuery, "Authorization", "Bearer " + token);
    }

    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return this.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** The response header's value, or {@code null} when it is absent. */
    public static String header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    @Override
    public void close() {
        LifeCycle.stop(this.server);
    }
}
