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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    /** An option as {@code --help-all} lists it at the start of a line, e.g. {@code --http-port <port>}. */
    private static final Pattern HELP_OPTION = Pattern.compile("^\\s*(--[a-z0-9][a-z0-9<>-]*)");

    private final Path home;
    private final Path log;
    private Process process;
    private int httpPort;
    private List<Pattern> knownOptions;

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

    /**
     * The distribution from {@code zip} in {@code folder}, unpacked there only if it does not hold this zip already (a
     * marker records which), so that repeated runs keep the server's augmented build. Providers and data are kept as the
     * previous run left them.
     */
    static KeycloakDistribution installOnce(Path zip, Path folder) throws IOException {
        Path marker = folder.resolve("installed-from");
        String installedFrom = zip.toAbsolutePath() + " " + Files.size(zip) + " " + Files.getLastModifiedTime(zip).toMillis();
        if (Files.isRegularFile(marker) && Files.readString(marker).equals(installedFrom)) {
            try (Stream<Path> entries = Files.list(folder)) {
                Path home = entries.filter(Files::isDirectory).findFirst()
                        .orElseThrow(() -> new IOException("no installation in " + folder));
                return new KeycloakDistribution(home);
            }
        }
        deleteRecursively(folder);
        Files.createDirectories(folder);
        Path home = unzip(zip, folder);
        Files.writeString(marker, installedFrom);
        return new KeycloakDistribution(home);
    }

    Path home() {
        return home;
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

    /**
     * Starts {@code kc.sh <arguments>} as given (ports and the bootstrap admin included) and waits until {@code readyUrl}
     * answers 200. The server's output goes to {@code server.log} in its home folder.
     */
    void startAsGiven(List<String> arguments, URI readyUrl, Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin").resolve("kc.sh").toString()));
        command.addAll(arguments);
        process = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        awaitReady(readyUrl, timeout);
    }

    /**
     * Whether this distribution knows the option of {@code argument} ({@code --name=value}), by its own
     * {@code kc.sh start-dev --help-all} (read once per installation, about 3 s, and kept beside it). Options whose names
     * have a part to fill in ({@code --log-level-<category>}) match any value there.
     */
    boolean knowsOption(String argument) throws IOException, InterruptedException {
        if (knownOptions == null) {
            knownOptions = readKnownOptions();
        }
        String name = argument.split("=", 2)[0];
        return knownOptions.stream().anyMatch(option -> option.matcher(name).matches());
    }

    private List<Pattern> readKnownOptions() throws IOException, InterruptedException {
        Path help = home.resolve("help-all.txt");
        if (!Files.isRegularFile(help)) {
            Path written = home.resolve("help-all.txt.tmp");
            Process listing = new ProcessBuilder(home.resolve("bin").resolve("kc.sh").toString(), "start-dev", "--help-all")
                    .directory(home.toFile()).redirectErrorStream(true).redirectOutput(written.toFile()).start();
            if (!listing.waitFor(2, TimeUnit.MINUTES) || listing.exitValue() != 0) {
                listing.destroyForcibly();
                throw new IOException("kc.sh start-dev --help-all failed; see " + written);
            }
            Files.move(written, help, StandardCopyOption.REPLACE_EXISTING);
        }
        List<Pattern> options = new ArrayList<>();
        for (String line : Files.readAllLines(help)) {
            Matcher option = HELP_OPTION.matcher(line);
            if (option.lookingAt()) {
                options.add(Pattern.compile(Pattern.quote(option.group(1)).replaceAll("<[^>]+>", "\\E.+\\Q")));
            }
        }
        if (options.isEmpty()) {
            throw new IOException("no options in " + help);
        }
        return options;
    }

    /** The server's JVM and the script that started it, while it runs. */
    List<ProcessHandle> processes() {
        return process == null ? List.of() : Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
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
        awaitReady(URI.create("http://127.0.0.1:" + managementPort + "/health/ready"), timeout);
    }

    private void awaitReady(URI readyUrl, Duration timeout) throws InterruptedException, IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(readyUrl).timeout(Duration.ofSeconds(2)).GET().build();
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
