package dev.silentrefresh.rotation.it;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.keycloak.it.utils.Maven;
import org.keycloak.testframework.server.KeycloakDependency;
import org.keycloak.testframework.server.KeycloakServer;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;
import org.keycloak.testframework.util.MavenProjectUtil;

import io.quarkus.bootstrap.resolver.maven.workspace.LocalProject;
import org.jboss.logging.Logger;

/**
 * The server of Keycloak's test framework, run the way the framework's {@code distribution} mode runs it ({@code kc.sh}
 * with the arguments and providers of the test's {@code KeycloakServerConfig}), with three differences:
 * <ul>
 * <li>the installation is the module's own ({@code target/keycloak-servers/}), never the framework's
 * {@code /tmp/kc-test-framework}, which every build on the machine shares: there, one build deletes the server another
 * is starting, or kills it by the PID file it finds;</li>
 * <li>the ports are settings ({@code kc.test.server.http.port}, {@code kc.test.server.management.port}; 8080 and 9000 as
 * the framework's), so that two modules' tests can run at once;</li>
 * <li>the distribution is a setting ({@code keycloak.dist.zip}, else the project's managed {@code keycloak-quarkus-dist}),
 * so that the same tests run against another Keycloak line.</li>
 * </ul>
 * The installation is kept between runs (unpacked again only for another zip), and a provider jar is rewritten only when
 * its classes changed, so an unchanged server starts without Quarkus re-augmenting it.
 */
final class PrivateKeycloakServer implements KeycloakServer {

    private static final Logger LOGGER = Logger.getLogger(PrivateKeycloakServer.class);

    private final Path installations;
    private final int httpPort;
    private final int managementPort;
    private final Duration startTimeout;
    private final boolean hotDeploy;
    private KeycloakDistribution distribution;

    PrivateKeycloakServer(Path installations, int httpPort, int managementPort, Duration startTimeout, boolean hotDeploy) {
        this.installations = installations;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.startTimeout = startTimeout;
        this.hotDeploy = hotDeploy;
    }

    @Override
    public void start(KeycloakServerConfigBuilder config, boolean tlsEnabled) {
        if (tlsEnabled) {
            throw new UnsupportedOperationException("this project's framework server runs plain HTTP only");
        }
        try {
            Path zip = distributionZip();
            distribution = KeycloakDistribution.installOnce(zip, installations.resolve(zip.getFileName().toString().replace(".zip", "")));
            stopLeftOver();
            deployProviders(invoke(config, "toDependencies"));
            List<String> arguments = optionsThisLineKnows(invoke(config, "toArgs"));
            arguments.add("--http-port=" + httpPort);
            arguments.add("--http-management-port=" + managementPort);
            // as the framework's own server keeps them: what this server was started with, for reading a failure
            Files.writeString(distribution.home().resolve("startup-args"), String.join("\n", arguments));
            distribution.startAsGiven(arguments, URI.create(getBaseUrl() + "/realms/master"), startTimeout);
            Files.writeString(pidFile(), pids());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Keycloak in " + installations, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Keycloak", e);
        }
    }

    @Override
    public void stop() {
        if (distribution == null) {
            return;
        }
        try {
            distribution.stop();
            Files.deleteIfExists(pidFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String getBaseUrl() {
        return "http://localhost:" + httpPort;
    }

    @Override
    public String getManagementBaseUrl() {
        return "http://localhost:" + managementPort;
    }

    /**
     * The framework (26.7.0) passes options an older line refuses to start with ({@code --shutdown-delay},
     * {@code --shutdown-timeout} on 26.5): those the distribution does not list are left out, and logged.
     */
    private List<String> optionsThisLineKnows(List<String> arguments) throws IOException, InterruptedException {
        List<String> known = new ArrayList<>();
        for (String argument : arguments) {
            if (!argument.startsWith("--") || distribution.knowsOption(argument)) {
                known.add(argument);
            } else {
                LOGGER.infof("Left out %s, which %s does not know", argument.split("=", 2)[0], distribution.home().getFileName());
            }
        }
        return known;
    }

    private static Path distributionZip() {
        String configured = System.getProperty("keycloak.dist.zip");
        return configured != null ? Path.of(configured) : Maven.resolveArtifact("org.keycloak", "keycloak-quarkus-dist");
    }

    /** A server this installation started in a test JVM that died before stopping it still holds the ports. */
    private void stopLeftOver() throws IOException {
        Path pids = pidFile();
        if (!Files.isRegularFile(pids)) {
            return;
        }
        String home = distribution.home().toString();
        for (String pid : Files.readString(pids).split("\\s+")) {
            ProcessHandle.of(Long.parseLong(pid))
                    .filter(p -> p.info().commandLine().orElse("").contains(home))
                    .ifPresent(ProcessHandle::destroyForcibly);
        }
        Files.delete(pids);
    }

    private Path pidFile() {
        return distribution.home().resolve("pids");
    }

    private String pids() {
        return String.join(" ", distribution.processes().stream().map(p -> Long.toString(p.pid())).toList());
    }

    /** The config's providers in {@code providers/}, each rewritten only when it changed, and no others. */
    private void deployProviders(Set<KeycloakDependency> dependencies) throws IOException {
        Path providers = distribution.home().resolve("providers");
        List<String> wanted = new ArrayList<>();
        for (KeycloakDependency dependency : dependencies) {
            Provider provider = providerOf(dependency);
            wanted.add(provider.jarName());
            Path jar = providers.resolve(provider.jarName());
            Path stamp = providers.resolve(provider.jarName() + ".lastModified");
            String source = Long.toString(lastModified(provider.source()));
            if (Files.isRegularFile(jar) && Files.isRegularFile(stamp) && Files.readString(stamp).equals(source)) {
                continue;
            }
            if (Files.isDirectory(provider.source())) {
                MavenProjectUtil.buildJar(provider.jarName(), provider.source(), jar);
            } else {
                Files.copy(provider.source(), jar, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(stamp, source);
        }
        try (Stream<Path> present = Files.list(providers)) {
            for (Path file : present.toList()) {
                String name = file.getFileName().toString();
                if ((name.endsWith(".jar") || name.endsWith(".jar.lastModified"))
                        && wanted.stream().noneMatch(w -> name.equals(w) || name.equals(w + ".lastModified"))) {
                    Files.delete(file);
                }
            }
        }
    }

    private record Provider(String jarName, Path source) {
    }

    /** As the framework resolves a dependency: this module's classes, a sibling module's classes, or the artifact. */
    private Provider providerOf(KeycloakDependency dependency) {
        if (dependency.dependencyCurrentProject()) {
            LocalProject module = MavenProjectUtil.getCurrentModule();
            return new Provider(module.getGroupId() + "__" + module.getArtifactId() + ".jar", module.getClassesDir());
        }
        String jarName = dependency.getGroupId() + "__" + dependency.getArtifactId() + ".jar";
        if (dependency.isHotDeployable() && hotDeploy) {
            return new Provider(jarName, MavenProjectUtil.findLocalModule(dependency.getGroupId(), dependency.getArtifactId()).getClassesDir());
        }
        return new Provider(jarName, Maven.resolveArtifact(dependency.getGroupId(), dependency.getArtifactId()));
    }

    private static long lastModified(Path source) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().lastModified()).max().orElse(0);
        }
    }

    /**
     * The framework builds the command line and the provider list in {@code KeycloakServerConfigBuilder} but only lets its
     * own servers read them ({@code toArgs()}, {@code toDependencies()} are package-private in 26.7.0): read them the same
     * way, so that every option a test's config sets reaches this server unchanged.
     */
    @SuppressWarnings("unchecked")
    private static <T> T invoke(KeycloakServerConfigBuilder config, String method) {
        try {
            Method reader = KeycloakServerConfigBuilder.class.getDeclaredMethod(method);
            reader.setAccessible(true);
            return (T) reader.invoke(config);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException("Keycloak's test framework no longer has KeycloakServerConfigBuilder." + method + "()", e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
