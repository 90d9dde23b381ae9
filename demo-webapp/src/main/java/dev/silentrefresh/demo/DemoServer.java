package dev.silentrefresh.demo;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import dev.silentrefresh.demo.api.ApiServlet;
import dev.silentrefresh.demo.api.ConfigServlet;
import dev.silentrefresh.demo.api.PageConfig;
import dev.silentrefresh.demo.auth.AccessTokenVerifier;
import dev.silentrefresh.demo.auth.BearerTokenErrorWriter;
import dev.silentrefresh.demo.auth.BearerTokenFilter;
import dev.silentrefresh.demo.auth.BearerTokenResolver;
import dev.silentrefresh.demo.auth.DpopProofVerifier;
import dev.silentrefresh.demo.auth.DpopReplayCache;
import dev.silentrefresh.demo.auth.DpopSettings;
import dev.silentrefresh.demo.auth.JwtVerifier;
import dev.silentrefresh.demo.auth.VerifiedTokenCache;
import dev.silentrefresh.demo.http.SecureErrorHandler;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo web app on embedded Jetty 12 (ee10): the page from the classpath folder {@code /static}, its
 * {@code /config.json}, and the API under {@code /api} behind the bearer-token filter.
 *
 * <p>{@link #newServer(int, DemoConfig)} builds the server without starting it, so tests can run it on port 0.
 */
public final class DemoServer {

    /** Leaves room for a token of {@link BearerTokenResolver#MAX_TOKEN_LENGTH}, so the filter, not Jetty, refuses longer ones. */
    static final int REQUEST_HEADER_SIZE = 16 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(DemoServer.class);

    private DemoServer() {
    }

    public static void main(String[] args) throws Exception {
        DemoConfig config = DemoConfig.fromEnvironment();
        Server server = newServer(config.port(), config);
        // finish requests in flight on SIGTERM (docker stop, Ctrl+C) instead of cutting them off
        server.setStopAtShutdown(true);
        server.start();
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        LOG.info("demo web app listening on http://localhost:{}/ for tokens issued by {}", port, config.issuer());
        server.join();
    }

    /** The production server: static files from the classpath, tokens checked against Keycloak's JWKS on the system clock. */
    public static Server newServer(int port, DemoConfig config) {
        Clock clock = Clock.systemUTC();
        return newServer(port, config, classpathStaticFiles(), newAccessTokenVerifier(config, clock), clock);
    }

    /**
     * @param port        the HTTP port; 0 picks a free one
     * @param config      the settings
     * @param staticFiles the folder the page is served from
     * @param verifier    checks the API's bearer tokens
     * @param clock       the API's clock for server time and token lifetimes
     */
    public static Server newServer(int port, DemoConfig config, URI staticFiles, AccessTokenVerifier verifier, Clock clock) {
        return newServer(port, config, staticFiles, verifier, clock, DpopSettings.fromEnvironment());
    }

    /**
     * @param port        the HTTP port; 0 picks a free one
     * @param config      the settings
     * @param staticFiles the folder the page is served from
     * @param verifier    checks the API's access tokens
     * @param clock       the API's clock for server time and token lifetimes
     * @param dpop        how DPoP proofs are checked; with no algorithms, DPoP-bound tokens are refused
     */
    public static Server newServer(int port, DemoConfig config, URI staticFiles, AccessTokenVerifier verifier, Clock clock,
                                   DpopSettings dpop) {
        Objects.requireNonNull(config, "config cannot be null");
        Objects.requireNonNull(staticFiles, "staticFiles cannot be null");
        Objects.requireNonNull(verifier, "verifier cannot be null");
        Objects.requireNonNull(clock, "clock cannot be null");
        Objects.requireNonNull(dpop, "dpop cannot be null");

        Server server = new Server();
        HttpConfiguration httpConfig = new HttpConfiguration();
        httpConfig.setSendServerVersion(false);
        httpConfig.setRequestHeaderSize(REQUEST_HEADER_SIZE);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        context.setBaseResource(ResourceFactory.of(context).newResource(staticFiles));
        context.setWelcomeFiles(new String[] {"index.html"});

        BearerTokenErrorWriter errorWriter = new BearerTokenErrorWriter(config.audience(), dpop.algorithms());
        context.addFilter(new FilterHolder(new SecurityHeadersFilter(config.keycloakOrigin())), "/*",
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR));
        BearerTokenFilter bearerTokenFilter = new BearerTokenFilter(new BearerTokenResolver(), verifier, newDpopProofVerifier(dpop),
                errorWriter, Set.of(ApiServlet.PUBLIC_PATH), dpop.externalBaseUrl());
        context.addFilter(new FilterHolder(bearerTokenFilter), "/api/*", EnumSet.of(DispatcherType.REQUEST));

        PageConfig pageConfig = PageConfig.of(config);
        context.addServlet(new ServletHolder(new ConfigServlet(pageConfig)), "/config.json");
        context.addServlet(new ServletHolder(new ApiServlet(clock, errorWriter)), "/api/*");
        // the default servlet serves everything else from the base resource; it must be mapped to "/"
        ServletHolder staticHolder = new ServletHolder("default", DefaultServlet.class);
        staticHolder.setInitParameter("dirAllowed", "false");
        context.addServlet(staticHolder, "/");

        server.setHandler(context);
        // errors Jetty answers before the context (bad request line, oversized headers) get the same defences as the pages
        server.setErrorHandler(new SecureErrorHandler());
        return server;
    }

    /** Verifies tokens against the realm's JWKS, and each token only once while it is valid. */
    public static AccessTokenVerifier newAccessTokenVerifier(DemoConfig config, Clock clock) {
        JwtVerifier jwtVerifier = new JwtVerifier(config.jwksUrl(), config.issuer(), config.audience(), config.jwtAlgorithms(),
                config.clockSkew(), clock);
        return new VerifiedTokenCache(jwtVerifier, clock, config.clockSkew(), VerifiedTokenCache.DEFAULT_MAX_ENTRIES);
    }

    /** Checks DPoP proofs on the system clock, which is also the clock Nimbus checks a proof's {@code iat} against. */
    static DpopProofVerifier newDpopProofVerifier(DpopSettings dpop) {
        if (dpop.algorithms().isEmpty()) {
            return null;
        }
        DpopReplayCache replayCache = new DpopReplayCache(Clock.systemUTC(), dpop.maxAge().plus(dpop.clockSkew()),
                DpopReplayCache.DEFAULT_MAX_ENTRIES);
        return new DpopProofVerifier(dpop.algorithms(), dpop.maxAge(), dpop.clockSkew(), replayCache);
    }

    private static URI classpathStaticFiles() {
        URL staticFolder = DemoServer.class.getResource("/static/");
        if (staticFolder == null) {
            throw new IllegalStateException("Unable to find the classpath folder /static with the page");
        }
        try {
            return staticFolder.toURI();
        } catch (URISyntaxException ex) {
            throw new IllegalStateException("Bad classpath reference for /static: " + staticFolder, ex);
        }
    }
}
