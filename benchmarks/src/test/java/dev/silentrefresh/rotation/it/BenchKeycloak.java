package dev.silentrefresh.rotation.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.keycloak.admin.client.Keycloak;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One Keycloak 26.7.3 with the packaged extension and the project's demo realm, for the benchmarks and the soak, started
 * with the project's own {@link KeycloakDistribution}: either as the README's run command starts it ({@code start-dev},
 * H2 in a file) or in production mode ({@code kc.sh build}, {@code start --optimized}) on a PostgreSQL of its own.
 *
 * <p>Beside {@code demo-spa} (client A, covered by {@code refresh-token-rotation}) it adds the clients the benchmarks
 * compare it with: {@value #NO_ROTATION_CLIENT} in the same realm, a copy of {@code demo-spa} that no policy covers (B),
 * and the realm {@value #BUILT_IN_REALM}, a copy of the demo realm without the policy and with Keycloak's own "Revoke
 * Refresh Token" on (C). Same users, same mappers, same token lifetimes, same events: only rotation differs.
 */
final class BenchKeycloak implements AutoCloseable {

    static final String DEMO_REALM = "demo";
    static final String SPA = "demo-spa";
    static final String SPA_REDIRECT = "http://localhost:8081/";
    static final String NO_ROTATION_CLIENT = "bench-no-rotation";
    static final String BUILT_IN_REALM = "bench-built-in-rotation";

    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final String DATABASE = "keycloak_bench";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keycloak re-hashes a password with the realm's policy at the next login; from then on a login costs little CPU. */
    private static final String LOAD_PASSWORD_POLICY = "hashIterations(1000)";

    enum Mode {
        /** {@code kc.sh start-dev}, H2 in a file: the README's run command. */
        DEV_H2("start-dev, H2"),
        /** {@code kc.sh build}, then {@code start --optimized} on PostgreSQL, one node (local caches). */
        PRODUCTION_POSTGRES("production, PostgreSQL");

        final String description;

        Mode(String description) {
            this.description = description;
        }
    }

    private final KeycloakDistribution keycloak;
    private final LocalPostgres postgres;
    private final Mode mode;
    private final int httpPort;
    private final int managementPort;
    private final String[] startArguments;
    private Keycloak admin;

    private BenchKeycloak(KeycloakDistribution keycloak, LocalPostgres postgres, Mode mode, int httpPort, int managementPort,
                          String[] startArguments) {
        this.keycloak = keycloak;
        this.postgres = postgres;
        this.mode = mode;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.startArguments = startArguments;
    }

    /** The project's folder (the parent of this module), where realm-export.json and docs/ are. */
    static Path projectRoot() {
        return Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    }

    static Path realmFile() {
        return projectRoot().resolve("realm-export.json");
    }

    /** Installs a fresh distribution in {@code folder} and starts it; returns once it is ready. */
    static BenchKeycloak start(Mode mode, Path folder, int httpPort, int managementPort) throws Exception {
        KeycloakDistribution keycloak = KeycloakDistribution.install(Path.of(System.getProperty("keycloak.dist.zip")),
                folder.resolve("keycloak"), Path.of(System.getProperty("extension.jar")), realmFile());
        LocalPostgres postgres = null;
        String[] arguments;
        if (mode == Mode.DEV_H2) {
            arguments = new String[] {"start-dev", "--import-realm", "--db=dev-file", "--health-enabled=true", "--cache=local"};
        } else {
            postgres = LocalPostgres.start(folder.resolve("postgres"), DATABASE);
            keycloak.build("--db=postgres", "--health-enabled=true");
            arguments = new String[] {"start", "--optimized", "--import-realm",
                "--db-url=" + LocalPostgres.jdbcUrl(DATABASE), "--db-username=" + LocalPostgres.USER,
                "--db-password=" + LocalPostgres.PASSWORD, "--http-enabled=true", "--http-host=127.0.0.1",
                "--hostname=http://127.0.0.1:" + httpPort, "--cache=local"};
        }
        BenchKeycloak bench = new BenchKeycloak(keycloak, postgres, mode, httpPort, managementPort, arguments);
        try {
            bench.startAgain();
        } catch (Exception | Error e) {
            bench.close();
            throw e;
        }
        return bench;
    }

    /** Starts the server (again, after {@link #kill()} or {@link #stop()}) on its data; returns once it is ready. */
    void startAgain() throws IOException, InterruptedException {
        if (admin != null) {
            admin.close();
            admin = null;
        }
        keycloak.start(httpPort, managementPort, START_TIMEOUT, startArguments);
    }

    /** {@code kill -9}: requests in flight die with the server. */
    void kill() throws InterruptedException {
        keycloak.kill();
    }

    void stop() throws InterruptedException {
        keycloak.stop();
    }

    Mode mode() {
        return mode;
    }

    LocalPostgres postgres() {
        return postgres;
    }

    String baseUrl() {
        return keycloak.baseUrl();
    }

    String serverLog() throws IOException {
        return keycloak.serverLog();
    }

    synchronized Keycloak admin() {
        if (admin == null) {
            admin = keycloak.admin();
        }
        return admin;
    }

    String version() {
        return admin().serverInfo().getInfo().getSystemInfo().getVersion();
    }

    /**
     * Prepares the realms for many virtual users that log in as the same user, at once: the demo realm's brute-force
     * protection would take parallel logins for an attack and lock the user out, and Keycloak's default password hash
     * (PBKDF2, 210,000 iterations) would spend minutes of the benchmark's CPU on logins. Logins are set-up here, not what
     * is measured; refreshes never check a password.
     */
    static void prepareForLoad(Keycloak admin) {
        for (String realm : List.of(DEMO_REALM, BUILT_IN_REALM)) {
            if (admin.realms().findAll().stream().anyMatch(r -> realm.equals(r.getRealm()))) {
                RealmRepresentation settings = admin.realm(realm).toRepresentation();
                if (Boolean.TRUE.equals(settings.isBruteForceProtected()) || !LOAD_PASSWORD_POLICY.equals(settings.getPasswordPolicy())) {
                    settings.setBruteForceProtected(false);
                    settings.setPasswordPolicy(LOAD_PASSWORD_POLICY);
                    admin.realm(realm).update(settings);
                }
            }
        }
    }

    /** Adds client B to the demo realm and realm C beside it (see the class comment). Idempotent. */
    static void addComparisonClients(Keycloak admin) throws IOException {
        RealmRepresentation exported = JSON.readValue(Files.readString(realmFile()), RealmRepresentation.class);
        ClientRepresentation spa = exported.getClients().stream().filter(c -> SPA.equals(c.getClientId())).findFirst().orElseThrow();
        if (admin.realm(DEMO_REALM).clients().findByClientId(NO_ROTATION_CLIENT).isEmpty()) {
            admin.realm(DEMO_REALM).clients().create(withoutPolicyAttribute(spa, NO_ROTATION_CLIENT)).close();
        }
        if (admin.realms().findAll().stream().noneMatch(r -> BUILT_IN_REALM.equals(r.getRealm()))) {
            ObjectNode tree = (ObjectNode) JSON.readTree(Files.readString(realmFile()));
            tree.remove(List.of("clientPolicies", "clientProfiles"));
            RealmRepresentation builtIn = JSON.treeToValue(tree, RealmRepresentation.class);
            builtIn.setRealm(BUILT_IN_REALM);
            builtIn.setRevokeRefreshToken(true);
            builtIn.setRefreshTokenMaxReuse(0);
            builtIn.setBruteForceProtected(false);
            builtIn.setPasswordPolicy(LOAD_PASSWORD_POLICY);
            builtIn.setClients(builtIn.getClients().stream()
                    .map(c -> SPA.equals(c.getClientId()) ? withoutPolicyAttribute(c, SPA) : c).toList());
            admin.realms().create(builtIn);
        }
    }

    private static ClientRepresentation withoutPolicyAttribute(ClientRepresentation client, String clientId) {
        ClientRepresentation copy = JSON.convertValue(client, ClientRepresentation.class);
        copy.setId(null);
        copy.setClientId(clientId);
        copy.setAttributes(new java.util.HashMap<>(copy.getAttributes()));
        copy.getAttributes().remove(DemoRealmAdmin.ROTATION_ATTRIBUTE);
        return copy;
    }

    /** Clients A, B and C of the class comment, added to the server if missing. */
    Map<String, Supplier<OidcTestClient>> comparedClients() throws IOException {
        addComparisonClients(admin());
        prepareForLoad(admin());
        return comparedClients(baseUrl());
    }

    static Map<String, Supplier<OidcTestClient>> comparedClients(String baseUrl) {
        return Map.of(
                "A", () -> new OidcTestClient(baseUrl, DEMO_REALM, SPA, SPA_REDIRECT),
                "B", () -> new OidcTestClient(baseUrl, DEMO_REALM, NO_ROTATION_CLIENT, SPA_REDIRECT),
                "C", () -> new OidcTestClient(baseUrl, BUILT_IN_REALM, SPA, SPA_REDIRECT));
    }

    /** A client of {@code demo-spa} (A) with a connection of its own. */
    OidcTestClient spa() {
        return new OidcTestClient(baseUrl(), DEMO_REALM, SPA, SPA_REDIRECT);
    }

    /** Runs SQL in the PostgreSQL database as its superuser and returns psql's unaligned output. */
    String sql(String query) throws IOException, InterruptedException {
        if (postgres == null) {
            throw new IllegalStateException("no PostgreSQL in mode " + mode);
        }
        Process psql = new ProcessBuilder(List.of("runuser", "-u", "postgres", "--", "psql", "-h", "127.0.0.1", "-p",
                Integer.toString(LocalPostgres.PORT), "-U", "postgres", "-d", DATABASE, "-At", "-c", query))
                .redirectErrorStream(true).start();
        String output = new String(psql.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        if (psql.waitFor() != 0) {
            throw new IllegalStateException("psql failed: " + output);
        }
        return output;
    }

    @Override
    public void close() throws Exception {
        if (admin != null) {
            admin.close();
        }
        keycloak.close();
        if (postgres != null) {
            postgres.close();
        }
    }
}
