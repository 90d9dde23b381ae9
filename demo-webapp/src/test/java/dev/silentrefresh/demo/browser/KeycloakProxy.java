package dev.silentrefresh.demo.browser;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The browser's way to Keycloak in the browser tests: a plain HTTP reverse proxy on a free loopback port that forwards every
 * request (Host header included, so Keycloak names itself by the proxy's address) and records the token-endpoint traffic.
 *
 * <p>Why not Playwright's routing: the client's token owner runs in a SharedWorker, and Playwright (1.62, Chromium) neither
 * reports nor routes a SharedWorker's requests (checked). On the wire every request is seen, whoever sent it. The proxy can
 * also break what the browser gets: drop Keycloak's answer after Keycloak processed the request, answer late, or refuse.
 * Only grant types and statuses are recorded, never a token; {@link #lastRefreshToken()} keeps the newest one for tests
 * that check a token is dead.
 */
final class KeycloakProxy implements AutoCloseable {

    /** What happens to a refresh-token request. */
    sealed interface Fault permits Pass, DropAnswer, DropAnswerWhenReleased, Delay, Refuse {
    }

    /** Forward it and return the answer. */
    record Pass() implements Fault {
    }

    /**
     * Forward it, let Keycloak process it, and cut the answer off after its status line and headers (a lost response). Not
     * "no bytes at all": Chromium re-sends a request by itself, once and at once, when a reused connection closes without any
     * answer, which would test Chromium instead of the client.
     */
    record DropAnswer() implements Fault {
    }

    /**
     * Like {@link DropAnswer}, but the answer is held (recorded as "held") until {@code release} opens, so a test can change
     * the browser's state while the request is surely processed and still unanswered.
     */
    record DropAnswerWhenReleased(java.util.concurrent.CountDownLatch release) implements Fault {
    }

    /** Forward it, and hand Keycloak's answer to the browser only after {@code millis}. */
    record Delay(long millis) implements Fault {
    }

    /** Close the browser's connection without forwarding (Keycloak unreachable). */
    record Refuse() implements Fault {
    }

    /**
     * One token-endpoint request: its grant type, when it arrived, Keycloak's status (0: never forwarded), what the browser got,
     * and the Keycloak session it belongs to ({@code sid} of the presented refresh token, or of the access token Keycloak
     * answered a code exchange with; null when neither is known), so that browsers side by side can be counted apart.
     */
    record TokenExchange(String grantType, long arrivedNanos, int keycloakStatus, String delivered, boolean dpopProof, String sessionId) {
    }

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
            "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "expect", "http2-settings");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "keycloak-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    private final URI keycloak;
    private final List<TokenExchange> exchanges = new CopyOnWriteArrayList<>();
    private final List<String> endSessionRequests = new CopyOnWriteArrayList<>();
    /** Changes on {@link #reset()}, so that a request of an earlier test that completes late is not recorded in this one. */
    private final java.util.concurrent.atomic.AtomicInteger epoch = new java.util.concurrent.atomic.AtomicInteger();
    private final List<Fault> refreshFaults = new CopyOnWriteArrayList<>();
    private final AtomicReference<UnaryOperator<String>> tokenResponseRewrite = new AtomicReference<>(UnaryOperator.identity());
    private final AtomicReference<String> lastRefreshToken = new AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicLong refuseRefreshesUntil = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);

    private KeycloakProxy(URI keycloak) throws IOException {
        this.keycloak = keycloak;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        this.server.setExecutor(this.executor);
        this.server.createContext("/", this::handle);
        this.server.start();
    }

    /** @param keycloak Keycloak's base URL, e.g. {@code http://localhost:8080} */
    static KeycloakProxy start(String keycloak) {
        try {
            return new KeycloakProxy(URI.create(keycloak));
        } catch (IOException e) {
            throw new IllegalStateException("the Keycloak proxy could not start", e);
        }
    }

    /** The proxy's base URL, which the browser (and the app's expected issuer) use for Keycloak. */
    String url() {
        return "http://localhost:" + this.server.getAddress().getPort();
    }

    /** Refuses every refresh-token request (after the faults below are used up) until {@code duration} from now. */
    void refuseRefreshesFor(Duration duration) {
        this.refuseRefreshesUntil.set(System.nanoTime() + duration.toNanos());
    }

    /** Applies {@code faults} to the next refresh-token requests, one each, in order; later ones pass. */
    void faultNextRefreshes(Fault... faults) {
        this.refreshFaults.clear();
        this.refreshFaults.addAll(List.of(faults));
    }

    /** Rewrites the body of every successful token response before the browser gets it. */
    void rewriteTokenResponses(UnaryOperator<String> rewrite) {
        this.tokenResponseRewrite.set(rewrite);
    }

    /** Forgets the recorded exchanges and removes faults and rewrites (between tests). */
    synchronized void reset() {
        this.epoch.incrementAndGet();
        this.exchanges.clear();
        this.endSessionRequests.clear();
        this.refreshFaults.clear();
        this.tokenResponseRewrite.set(UnaryOperator.identity());
        this.lastRefreshToken.set(null);
        this.refuseRefreshesUntil.set(Long.MIN_VALUE);
    }

    List<TokenExchange> tokenExchanges() {
        return List.copyOf(this.exchanges);
    }

    /** Refresh-token requests the browser sent (whatever became of them). */
    int refreshRequests() {
        return (int) this.exchanges.stream().filter(e -> "refresh_token".equals(e.grantType())).count();
    }

    /** Refresh-token requests that presented a refresh token of the Keycloak session {@code sessionId}. */
    int refreshRequests(String sessionId) {
        return (int) this.exchanges.stream().filter(e -> "refresh_token".equals(e.grantType()) && sessionId.equals(e.sessionId())).count();
    }

    /** Authorization-code exchanges (logins, silent logins). */
    int codeExchanges() {
        return (int) this.exchanges.stream().filter(e -> "authorization_code".equals(e.grantType())).count();
    }

    /** Authorization-code exchanges answered with tokens of the Keycloak session {@code sessionId}. */
    int codeExchanges(String sessionId) {
        return (int) this.exchanges.stream().filter(e -> "authorization_code".equals(e.grantType()) && sessionId.equals(e.sessionId())).count();
    }

    /**
     * Requests to Keycloak's end-session endpoint (RP-initiated logout), whoever sent them (the token owner's worker too), as
     * {@code "METHOD -> status, id_token_hint in the body|the URL|nowhere"}; never the hint itself.
     */
    List<String> endSessionRequests() {
        return List.copyOf(this.endSessionRequests);
    }

    /** The refresh token of the newest successful token response, for tests that show it is dead; never logged. */
    String lastRefreshToken() {
        return this.lastRefreshToken.get();
    }

    @Override
    public void close() {
        this.server.stop(0);
        this.executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrived = System.nanoTime();
        int epochAtArrival = this.epoch.get();
        try (exchange) {
            byte[] body = readAll(exchange.getRequestBody());
            String path = exchange.getRequestURI().getRawPath();
            String grantType = path.endsWith("/protocol/openid-connect/token") && "POST".equals(exchange.getRequestMethod())
                    ? TokenMessages.formValue(new String(body, StandardCharsets.UTF_8), "grant_type") : null;
            Fault fault = !"refresh_token".equals(grantType) ? new Pass()
                    : !this.refreshFaults.isEmpty() ? this.refreshFaults.remove(0)
                    : refusingAt(arrived) ? new Refuse() : new Pass();
            boolean dpop = exchange.getRequestHeaders().containsKey("DPoP");
            AtomicReference<String> sessionId = new AtomicReference<>(grantType == null ? null
                    : TokenMessages.sessionIdOf(TokenMessages.formValue(new String(body, StandardCharsets.UTF_8), "refresh_token")));
            int index = arrive(grantType, arrived, dpop, sessionId.get());
            java.util.function.BiConsumer<Integer, String> record = (status, delivered) ->
                    complete(epochAtArrival, index, new TokenExchange(grantType, arrived, status, delivered, dpop, sessionId.get()));
            if (fault instanceof Refuse) {
                record.accept(0, "refused");
                return; // closing without an answer
            }
            HttpResponse<byte[]> answer;
            try {
                answer = this.client.send(forward(exchange, body), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                record.accept(0, "keycloak unreachable");
                return;
            }
            byte[] responseBody = answer.body();
            if (path.endsWith("/protocol/openid-connect/logout")) {
                String query = String.valueOf(exchange.getRequestURI().getRawQuery());
                String hint = query.contains("id_token_hint=") ? "the URL"
                        : TokenMessages.formValue(new String(body, StandardCharsets.UTF_8), "id_token_hint") != null ? "the body" : "nowhere";
                this.endSessionRequests.add(exchange.getRequestMethod() + " -> " + answer.statusCode() + ", id_token_hint in " + hint);
            }
            if (grantType != null && answer.statusCode() == 200) {
                String text = this.tokenResponseRewrite.get().apply(new String(responseBody, StandardCharsets.UTF_8));
                responseBody = text.getBytes(StandardCharsets.UTF_8);
                String refreshToken = TokenMessages.jsonString(text, "refresh_token");
                if (refreshToken != null) {
                    this.lastRefreshToken.set(refreshToken);
                }
                if (sessionId.get() == null) {
                    sessionId.set(TokenMessages.sessionIdOf(TokenMessages.jsonString(text, "access_token")));
                }
            }
            if (fault instanceof Delay delay) {
                sleep(delay.millis());
            }
            if (fault instanceof DropAnswerWhenReleased held) {
                record.accept(answer.statusCode(), "held");
                await(held.release());
            }
            boolean drop = fault instanceof DropAnswer || fault instanceof DropAnswerWhenReleased;
            record.accept(answer.statusCode(), drop ? "dropped" : fault instanceof Delay ? "late" : "answered");
            answer.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, new ArrayList<>(values));
                }
            });
            try {
                exchange.sendResponseHeaders(answer.statusCode(), responseBody.length == 0 ? -1 : responseBody.length);
                if (drop) {
                    exchange.getResponseBody().flush();
                    throw new IOException("answer cut off"); // closes the connection before the body
                }
                if (responseBody.length > 0) {
                    exchange.getResponseBody().write(responseBody);
                }
            } catch (IOException e) {
                // the browser gave up on this request (aborted after its timeout): nothing to deliver
            }
        }
    }

    private boolean refusingAt(long nanos) {
        long until = this.refuseRefreshesUntil.get();
        return until != Long.MIN_VALUE && nanos - until < 0;
    }

    private HttpRequest forward(HttpExchange exchange, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(this.keycloak.resolve(exchange.getRequestURI().toString()))
                .timeout(Duration.ofSeconds(90))
                .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            if (!HOP_BY_HOP.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                header.getValue().forEach(value -> request.header(header.getKey(), value));
            }
        }
        return request.build();
    }

    private synchronized void complete(int epochAtArrival, int index, TokenExchange exchange) {
        if (index >= 0 && this.epoch.get() == epochAtArrival) {
            this.exchanges.set(index, exchange);
        }
    }

    /** Records a token request as it arrives (its outcome follows); returns its index, or -1 for other requests. */
    private synchronized int arrive(String grantType, long arrived, boolean dpop, String sessionId) {
        if (grantType == null) {
            return -1;
        }
        this.exchanges.add(new TokenExchange(grantType, arrived, -1, "pending", dpop, sessionId));
        return this.exchanges.size() - 1;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            if (!latch.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("a held answer was never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
