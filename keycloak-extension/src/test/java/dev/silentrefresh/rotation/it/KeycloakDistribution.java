package dev.silentrefresh.rotation.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.keycloak.admin.client.Keycloak;

/**
 * The Keycloak distribution from Maven Central, unpacked into a folder of its own and run as {@code kc.sh start-dev}
 * with a file database, so that it can be stopped and started again with its data. Keycloak's test framework cannot
 * restart its server in the middle of a test, which is the one thing this class is for.
 */
final class KeycloakDistribution implements AutoCloseable {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-password";

    private final Path home;
    private final int httpPort;
    private final int managementPort;
    private final Path log;
    private Process process;

    private KeycloakDistribution(Path home, int httpPort, int managementPort) {
        this.home = home;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.log = home.resolve("server.log");
    }

    /** Unpacks {@code zip} into a fresh {@code folder}, with {@code provider} deployed and {@code realm} to import. */
    static KeycloakDistribution install(Path zip, Path folder, Path provider, Path realm, int httpPort, int managementPort)
            throws IOException {
        deleteRecursively(folder);
        Files.createDirectories(folder);
        Path home = unzip(zip, folder);
        Files.copy(provider, home.resolve("providers").resolve(provider.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Path imports = Files.createDirectories(home.resolve("data").resolve("import"));
        Files.copy(realm, imports.resolve(realm.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        return new KeycloakDistribution(home, httpPort, managementPort);
    }

    void start(Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin").resolve("kc.sh").toString(), "start-dev",
                "--import-realm", "--db=dev-file", "--health-enabled=true", "--cache=local",
                "--http-port=" + httpPort, "--http-management-port=" + managementPort));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN);
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        process = builder.start();
        awaitReady(timeout);
    }

    /** Stops the server as an operator would (SIGTERM to the JVM, which {@code kc.sh} does not exec into). */
    void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : all) {
            try {
                handle.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
        process = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    String baseUrl() {
        return "http://localhost:" + httpPort;
    }

    Keycloak admin() {
        return Keycloak.getInstance(baseUrl(), "master", ADMIN, ADMIN_PASSWORD, "admin-cli");
    }

    String serverLog() throws IOException {
        return Files.readString(log);
    }

    private void awaitReady(Duration timeout) throws InterruptedException, IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited during start-up; see " + log);
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        stop();
        throw new IllegalStateException("Keycloak not ready within " + timeout + "; see " + log);
    }

    private static Path unzip(Path zip, Path folder) throws IOException {
        Path root = null;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path target = folder.resolve(entry.getName()).normalize();
                if (!target.startsWith(folder)) {
                    throw new IOException("zip entry outside the target folder: " + entry.getName());
                }
                if (root == null) {
                    root = folder.resolve(folder.relativize(target).getName(0));
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    copy(in, target);
                    if (entry.getName().endsWith(".sh")) {
                        target.toFile().setExecutable(true);
                    }
                }
            }
        }
        if (root == null) {
            throw new IOException("empty distribution: " + zip);
        }
        return root;
    }

    private static void copy(InputStream in, Path target) throws IOException {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
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
