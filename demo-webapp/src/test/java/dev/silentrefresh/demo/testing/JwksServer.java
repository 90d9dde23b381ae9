package dev.silentrefresh.demo.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** Keycloak's JWKS endpoint, played by the JDK's HTTP server on a free port; its answer can be changed at any time. */
public final class JwksServer implements AutoCloseable {

    public static final String PATH = "/realms/demo/protocol/openid-connect/certs";

    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int status = 200;
    private volatile String body;
    private volatile Duration delay = Duration.ZERO;

    private JwksServer(HttpServer server) {
        this.server = server;
    }

    public static JwksServer start(JWKSet keys) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        JwksServer jwks = new JwksServer(server);
        jwks.serve(keys);
        server.createContext(PATH, jwks::answer);
        server.start();
        return jwks;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + PATH);
    }

    /** From now on, answer with these keys. */
    public void serve(JWKSet keys) {
        answerWith(200, keys.toString(true));
    }

    /** From now on, answer with this status and body. */
    public void answerWith(int status, String body) {
        this.status = status;
        this.body = body;
    }

    /** From now on, wait this long before answering. */
    public void delayAnswers(Duration delay) {
        this.delay = delay;
    }

    /** How many times the JWKS was requested. */
    public int requests() {
        return this.requests.get();
    }

    /** Stops answering: connections are refused from now on. */
    @Override
    public void close() {
        this.server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        this.requests.incrementAndGet();
        try {
            Thread.sleep(this.delay.toMillis());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        byte[] bytes = this.body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(this.status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
