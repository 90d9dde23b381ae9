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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.keycloak.admin.client.Keycloak;

/**
 * The Keycloak distribution from Maven Central, unpacked into a folder of its own and run as a child process, so that
 * a test can stop and start it with its data, or run several nodes of a cluster. Keycloak's test framework runs one
 * server it cannot restart in the middle of a test, which is the one thing this class is for.
 */
final class KeycloakDistribution implements AutoCloseable {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-password";

    private final Path home;
    private final Path log;
    private Process process;
    private int httpPort;

    private KeycloakDistribution(Path home) {
        this.home = home;
        this.log = home.resolve("server.log");
    }

    /** Unpacks {@code zip} into a fresh {@code folder}, with {@code provider} deployed and {@code realm} to import. */
    static KeycloakDistribution install(Path zip, Path folder, Path provider, Path realm) throws IOException {
        deleteRecursively(folder);
        Files.createDirectories(folder);
        Path home = unzip(zip, folder);
        Files.copy(provider, home.resolve("providers").resolve(provider.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Path imports = Files.createDirectories(home.resolve("data").resolve("import"));
        Files.copy(realm, imports.resolve(realm.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        return new KeycloakDistribution(home);
    }

    /** Deploys one more provider jar (before {@link #build}), e.g. the test hook. */
    void addProvider(Path jar) throws IOException {
        Files.copy(jar, home.resolve("providers").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Runs {@code kc.sh build} with the given build options, so that later starts can be {@code --optimized}. */
    void build(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin").resolve("kc.sh").toString(), "build"));
        command.addAll(List.of(options));
        Process build = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (build.waitFor() != 0) {
            throw new IllegalStateException("kc.sh build failed; see " + log);
        }
    }

    /** A copy of this (stopped) installation in {@code folder}, e.g. a second node built once. */
    KeycloakDistribution copyTo(Path folder) throws IOException {
        deleteRecursively(folder);
        Path copy = folder.resolve(home.getFileName());
        try (Stream<Path> paths = Files.walk(home)) {
            for (Path source : paths.toList()) {
                Path target = copy.resolve(home.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (!source.equals(log)) {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return new KeycloakDistribution(copy);
    }

    /** {@code kc.sh start-dev} on a file database, importing the realm on the first start. */
    void startDev(int httpPort, int managementPort, Duration timeout) throws IOException, InterruptedException {
        start(httpPort, managementPort, timeout, "start-dev", "--import-realm", "--db=dev-file", "--health-enabled=true",
                "--cache=local");
    }

    /**
     * Starts {@code kc.sh <arguments>} on the given ports and waits until the management interface reports ready.
     * The bootstrap admin is admin / admin-password.
     */
    void start(int httpPort, int managementPort, Duration timeout, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin").resolve("kc.sh").toString()));
        command.addAll(List.of(arguments));
        command.add("--http-port=" + httpPort);
        command.add("--http-management-port=" + managementPort);
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN);
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        this.httpPort = httpPort;
        process = builder.start();
        awaitReady(managementPort, timeout);
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
                handle.onExit().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
        process = null;
    }

    /** Kills the server as a crash would ({@code kill -9} of the JVM): no shutdown, requests in flight die with it. */
    void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : all) {
            try {
                handle.onExit().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("process " + handle.pid() + " survived SIGKILL", e);
            }
        }
        process = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    Keycloak admin() {
        return Keycloak.getInstance(baseUrl(), "master", ADMIN, ADMIN_PASSWORD, "admin-cli");
    }

    String serverLog() throws IOException {
        return Files.readString(log);
    }

    private void awaitReady(int managementPort, Duration timeout) throws InterruptedException, IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health/ready"))
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
