package dev.silentrefresh.rotation.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own, from the machine's PostgreSQL binaries (Debian's {@code postgresql} package,
 * which {@code test.sh} installs when missing): a fresh data folder under {@code target/}, loopback only, on its own
 * port, run as the {@code postgres} user. The tests may stop, kill and restart it without touching any database of the
 * machine. A Keycloak cluster needs a shared database: sessions are persisted there and the nodes find each other
 * through it (JDBC_PING).
 */
final class LocalPostgres implements AutoCloseable {

    /** 55432 unless the system property {@code local.postgres.port} says otherwise (the benchmarks and the soak use another). */
    static final int PORT = Integer.getInteger("local.postgres.port", 55432);
    static final String USER = "keycloak_it";
    static final String PASSWORD = "keycloak_it";

    private static final String SERVICE_USER = "postgres";
    /** Where Keycloak 26's persistent sessions live (online and offline alike). */
    private static final List<String> SESSION_TABLES = List.of("offline_user_session", "offline_client_session");

    private final Path bin;
    private final Path data;

    private LocalPostgres(Path bin, Path data) {
        this.bin = bin;
        this.data = data;
    }

    /** Creates a fresh server in {@code folder} with one database, owned by {@link #USER}, and starts it. */
    static LocalPostgres start(Path folder, String database) throws IOException, InterruptedException {
        LocalPostgres postgres = new LocalPostgres(binaries(), folder.resolve("data"));
        deleteRecursively(folder);
        Files.createDirectories(folder);
        run(List.of("chown", SERVICE_USER, folder.toString()));
        postgres.asServiceUser(List.of(postgres.bin.resolve("initdb").toString(), "-D", postgres.data.toString(),
                "-U", SERVICE_USER, "--auth=trust", "--no-sync", "-E", "UTF8"));
        postgres.start();
        postgres.psql("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
        postgres.psql("CREATE DATABASE " + database + " OWNER " + USER);
        return postgres;
    }

    static String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + PORT + "/" + database;
    }

    /** Starts the server (again) and waits until it accepts connections. */
    void start() throws IOException, InterruptedException {
        asServiceUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", data.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + PORT + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", "start"));
    }

    /** Stops the server at once, as a crash would: open connections break, in-flight transactions are lost. */
    void crash() throws IOException, InterruptedException {
        asServiceUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"));
    }

    /**
     * Makes every write of a user or client session in {@code database} fail, as a database that fails mid-transaction
     * would (keycloak#49213), while reads go on: the refresh gets as far as its commit.
     */
    void failSessionWrites(String database) throws IOException, InterruptedException {
        psql(database, "CREATE OR REPLACE FUNCTION rtr_injected_fault() RETURNS trigger AS $$ BEGIN"
                + " RAISE EXCEPTION 'injected fault: the session store refuses writes'; END $$ LANGUAGE plpgsql");
        for (String table : SESSION_TABLES) {
            psql(database, "CREATE TRIGGER rtr_injected_fault BEFORE INSERT OR UPDATE ON " + table
                    + " FOR EACH ROW EXECUTE FUNCTION rtr_injected_fault()");
        }
    }

    void allowSessionWrites(String database) throws IOException, InterruptedException {
        for (String table : SESSION_TABLES) {
            psql(database, "DROP TRIGGER IF EXISTS rtr_injected_fault ON " + table);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (Files.exists(data.resolve("postmaster.pid"))) {
            asServiceUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"));
        }
    }

    private void psql(String sql) throws IOException, InterruptedException {
        psql("postgres", sql);
    }

    private void psql(String database, String sql) throws IOException, InterruptedException {
        asServiceUser(List.of(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(PORT), "-U", SERVICE_USER,
                "-d", database, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql));
    }

    private void asServiceUser(List<String> command) throws IOException, InterruptedException {
        List<String> asUser = new ArrayList<>(List.of("runuser", "-u", SERVICE_USER, "--"));
        asUser.addAll(command);
        run(asUser);
    }

    /** The newest PostgreSQL installed under /usr/lib/postgresql. */
    private static Path binaries() throws IOException {
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            throw new IllegalStateException("PostgreSQL is needed for the cluster test: install Debian's postgresql package"
                    + " (./test.sh does so when it is missing)");
        }
        try (Stream<Path> installed = Files.list(versions)) {
            return installed.filter(path -> path.getFileName().toString().matches("\\d+"))
                    .max(Comparator.comparingInt(path -> Integer.parseInt(path.getFileName().toString())))
                    .map(path -> path.resolve("bin"))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL server under " + versions));
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
        }
    }

    private static void deleteRecursively(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
