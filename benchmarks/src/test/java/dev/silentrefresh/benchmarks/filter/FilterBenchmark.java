package dev.silentrefresh.benchmarks.filter;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.silentrefresh.benchmarks.ClosedLoop;
import dev.silentrefresh.benchmarks.Measurement;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.DemoServer;
import dev.silentrefresh.demo.api.ApiServlet;
import dev.silentrefresh.demo.auth.AuthenticatedUser;
import dev.silentrefresh.demo.auth.BearerTokenErrorWriter;
import dev.silentrefresh.demo.testing.JwksServer;
import dev.silentrefresh.demo.testing.TestApp;
import dev.silentrefresh.demo.testing.TokenIssuer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Issue 9, item 3: what the bearer-token filter costs a request. The real app ({@link DemoServer#newServer(int, DemoConfig)},
 * the production wiring with the verified-token cache) gets a second mapping of the same API servlet, {@code /open/*},
 * behind a stand-in that puts the same {@link AuthenticatedUser} on the request without looking at any header. So
 * {@code GET /api/me} and {@code GET /open/me}, sent with the same {@code Authorization} header, do the same work but for
 * the filter (finding the token, hashing it, the cache lookup). Both run in the same Jetty, in alternating rounds.
 *
 * <p>Load comes from {@code wrk} (Debian's package) when it is installed, which costs the two cores far less than a Java
 * client, otherwise from {@link ClosedLoop} on the JDK's HTTP client.
 */
public final class FilterBenchmark {

    static final String PROTECTED = "/api/me";
    static final String OPEN = "/open/me";

    /** One round of one path: successful requests per second and latency in milliseconds. */
    public record Round(String path, double perSecond, double p50, double p99, long errors) {
    }

    /** The rounds in the order they ran, and the load tool. */
    public record Result(String tool, int connections, List<Round> rounds) {

        public List<Round> of(String path) {
            return rounds.stream().filter(r -> r.path().equals(path)).toList();
        }

        /** Throughput of the protected path over the open one, round by round. */
        public List<Double> throughputRatios() {
            List<Round> protectedRounds = of(PROTECTED);
            List<Round> openRounds = of(OPEN);
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < Math.min(protectedRounds.size(), openRounds.size()); i++) {
                ratios.add(protectedRounds.get(i).perSecond() / openRounds.get(i).perSecond());
            }
            return ratios;
        }
    }

    private FilterBenchmark() {
    }

    public static Result run(int connections, int rounds, Duration roundLength, boolean useWrkIfInstalled) throws Exception {
        TokenIssuer issuer = TokenIssuer.withNewKey("benchmark-key");
        try (JwksServer jwks = JwksServer.start(issuer.jwkSet())) {
            DemoConfig config = TestApp.configFor(jwks);
            Instant now = Instant.now();
            String token = issuer.sign(TokenIssuer.accessTokenClaims(now, "alice", "reader")
                    .expirationTime(java.util.Date.from(now.plus(Duration.ofHours(1)))).build());
            AuthenticatedUser user = DemoServer.newAccessTokenVerifier(config, Clock.systemUTC()).verify(token);
            Server server = DemoServer.newServer(0, config);
            ServletContextHandler context = (ServletContextHandler) server.getHandler();
            context.addFilter(new FilterHolder(new PresetUser(user)), "/open/*", EnumSet.of(DispatcherType.REQUEST));
            context.addServlet(new ServletHolder(new ApiServlet(Clock.systemUTC(), new BearerTokenErrorWriter(config.audience()))), "/open/*");
            server.start();
            try {
                String base = "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
                boolean wrk = useWrkIfInstalled && wrkInstalled();
                List<Round> results = new ArrayList<>();
                // a short unmeasured round of each path first: JIT, connections, the token's first verification
                for (String path : List.of(PROTECTED, OPEN)) {
                    load(wrk, base + path, token, connections, Duration.ofSeconds(Math.min(3, roundLength.toSeconds())));
                }
                for (int round = 0; round < rounds; round++) {
                    List<String> order = new ArrayList<>(List.of(PROTECTED, OPEN));
                    if (round % 2 == 1) {
                        Collections.reverse(order);
                    }
                    for (String path : order) {
                        Round measured = load(wrk, base + path, token, connections, roundLength);
                        results.add(new Round(path, measured.perSecond(), measured.p50(), measured.p99(), measured.errors()));
                    }
                }
                return new Result(wrk ? "wrk " + wrkVersion() : "JDK HttpClient", connections, results);
            } finally {
                server.stop();
            }
        }
    }

    private static Round load(boolean wrk, String url, String token, int connections, Duration length) throws Exception {
        return wrk ? wrk(url, token, connections, length) : javaClient(url, token, connections, length);
    }

    private static Round javaClient(String url, String token, int connections, Duration length) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).GET().build();
        List<ClosedLoop.Request> users = Collections.nCopies(connections,
                () -> http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        Measurement measured = ClosedLoop.run(url, users, length, Long.MAX_VALUE);
        return new Round(url, measured.throughput(), measured.millis(50), measured.millis(99), measured.failed());
    }

    private static final Pattern REQUESTS_PER_SECOND = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    /** {@code wrk} with two threads (one per core) and the given connections, each request carrying the token. */
    private static Round wrk(String url, String token, int connections, Duration length) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + Math.max(1, length.toSeconds()) + "s",
                "--latency", "-H", "Authorization: Bearer " + token, url).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + output.lines().findFirst().orElse(""));
        }
        Matcher rate = REQUESTS_PER_SECOND.matcher(output);
        if (!rate.find()) {
            throw new IllegalStateException("no throughput in wrk's output");
        }
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher percentile = PERCENTILE.matcher(output);
        while (percentile.find()) {
            double millis = Double.parseDouble(percentile.group(2)) * switch (percentile.group(3)) {
                case "us" -> 0.001;
                case "s" -> 1000.0;
                default -> 1.0;
            };
            if (percentile.group(1).equals("50")) {
                p50 = millis;
            } else {
                p99 = millis;
            }
        }
        long errors = 0;
        Matcher non2xx = NON_2XX.matcher(output);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        Matcher socket = SOCKET_ERRORS.matcher(output);
        if (socket.find()) {
            for (int group = 1; group <= 4; group++) {
                errors += Long.parseLong(socket.group(group));
            }
        }
        return new Round(url, Double.parseDouble(rate.group(1)), p50, p99, errors);
    }

    static boolean wrkInstalled() {
        try {
            return new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start().waitFor() >= 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String wrkVersion() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
        String first = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
        process.waitFor();
        Matcher version = Pattern.compile("wrk (\\S+)").matcher(first);
        return version.find() ? version.group(1) : "";
    }

    /** Stands in for the filter on the open path: the user the token belongs to, without reading any header. */
    private static final class PresetUser extends HttpFilter {
        private static final long serialVersionUID = 1L;
        private final transient AuthenticatedUser user;

        PresetUser(AuthenticatedUser user) {
            this.user = user;
        }

        @Override
        protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            request.setAttribute(AuthenticatedUser.REQUEST_ATTRIBUTE, user);
            chain.doFilter(request, response);
        }
    }

    static String describe(Result result) {
        return String.format(Locale.ROOT, "%s, %d connections: ratios %s", result.tool(), result.connections(), result.throughputRatios());
    }
}
