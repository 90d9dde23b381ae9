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
 * The machine's PostgreSQL (Debian's {@code postgresql} package, which {@code test.sh} installs when missing), started
 * if it is down, with a fresh database per run. A Keycloak cluster needs a shared database: sessions are persisted there
 * and the nodes find each other through it (JDBC_PING).
 */
final class LocalPostgres {

    static final String USER = "keycloak_it";
    static final String PASSWORD = "keycloak_it";

    private LocalPostgres() {
    }

    /** Drops and recreates {@code database}, owned by {@link #USER}; returns its JDBC URL. */
    static String freshDatabase(String database) throws IOException, InterruptedException {
        String version = installedVersion();
        run(List.of("pg_ctlcluster", version, "main", "start"), true);
        psql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        psql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + USER + "') THEN CREATE ROLE " + USER
                + " LOGIN PASSWORD '" + PASSWORD + "'; END IF; END $$");
        psql("CREATE DATABASE " + database + " OWNER " + USER);
        return "jdbc:postgresql://127.0.0.1:5432/" + database;
    }

    private static String installedVersion() throws IOException {
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions) || !Files.exists(Path.of("/usr/bin/pg_ctlcluster"))) {
            throw new IllegalStateException("PostgreSQL is needed for the cluster test: install Debian's postgresql package"
                    + " (./test.sh does so when it is missing)");
        }
        try (Stream<Path> installed = Files.list(versions)) {
            return installed.map(path -> path.getFileName().toString()).filter(name -> name.matches("\\d+"))
                    .max(Comparator.comparingInt(Integer::parseInt))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL server under " + versions));
        }
    }

    private static void psql(String sql) throws IOException, InterruptedException {
        run(List.of("runuser", "-u", "postgres", "--", "psql", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql), false);
    }

    /** Runs a command; {@code mayFail} tolerates a non-zero exit (e.g. starting a cluster that already runs). */
    private static void run(List<String> command, boolean mayFail) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0 && !mayFail) {
            throw new IllegalStateException(command.get(0) + " failed: " + output.strip());
        }
    }
}
