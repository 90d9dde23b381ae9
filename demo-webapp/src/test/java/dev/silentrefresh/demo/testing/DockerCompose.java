package dev.silentrefresh.demo.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The repository's {@code docker-compose.yml}, run through the Docker CLI as a user would: {@code docker compose} where that
 * plugin is installed, else {@code docker-compose} (Debian's package). The engine is whatever {@code DOCKER_HOST} names.
 *
 * <p>The images are the compose file's own defaults unless the system properties {@code keycloak.image} and
 * {@code jre.image} or the environment variables {@code KEYCLOAK_IMAGE} and {@code JRE_IMAGE} (which the file reads, and
 * which {@code scripts/local-docker.sh} prints) name others.
 */
public final class DockerCompose {

    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    public static final Path FILE = ROOT.resolve("docker-compose.yml");

    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(10);

    private final List<String> compose;
    private final String project;
    private final Map<String, String> variables;
    private final Path log;

    private DockerCompose(List<String> compose, String project, Map<String, String> variables, Path log) {
        this.compose = compose;
        this.project = project;
        this.variables = variables;
        this.log = log;
    }

    /**
     * @param project   the compose project name (containers and networks are named after it)
     * @param variables variables for the compose file besides the images, e.g. ports
     * @param log       where every command's output is appended
     */
    public static DockerCompose of(String project, Map<String, String> variables, Path log) {
        Map<String, String> all = new HashMap<>(variables);
        all.put("KEYCLOAK_IMAGE", keycloakImage());
        all.put("JRE_IMAGE", jreImage());
        return new DockerCompose(composeCommand().orElseThrow(() -> new IllegalStateException(whyNot().orElse("no compose"))),
                project, Map.copyOf(all), log);
    }

    /** The Keycloak image the compose file will run. */
    public static String keycloakImage() {
        return setting("keycloak.image", "KEYCLOAK_IMAGE");
    }

    /** The Java runtime image the web app's image is built on. */
    public static String jreImage() {
        return setting("jre.image", "JRE_IMAGE");
    }

    /**
     * Why the compose file cannot be run here, in one line naming what is missing and how to provide it; empty when a
     * Docker engine answers, compose is installed, and both images are on the engine or could be pulled.
     */
    public static Optional<String> whyNot() {
        if (run(List.of("docker", "version", "--format", "{{.Server.Version}}"), Map.of(), null) != 0) {
            return Optional.of("no Docker engine answers (DOCKER_HOST=" + System.getenv().getOrDefault("DOCKER_HOST", "unset")
                    + "); scripts/local-docker.sh starts one on a Debian machine");
        }
        if (composeCommand().isEmpty()) {
            return Optional.of("neither 'docker compose' nor 'docker-compose' is installed");
        }
        for (String image : List.of(keycloakImage(), jreImage())) {
            if (run(List.of("docker", "image", "inspect", image), Map.of(), null) != 0
                    && run(List.of("docker", "pull", "-q", image), Map.of(), null) != 0) {
                return Optional.of("the image " + image + " is not on the Docker engine and cannot be pulled: pull it, or build "
                        + "it with scripts/local-docker.sh and set the variables it prints (KEYCLOAK_IMAGE, JRE_IMAGE)");
            }
        }
        return Optional.empty();
    }

    /** {@code up -d --build}: builds the web app's image from the current jar and starts both services. */
    public void up() {
        compose("up", "-d", "--build");
    }

    /** {@code down -v}: removes the containers, their network and volumes. */
    public void down() {
        compose("down", "-v");
    }

    /** Appends both services' output to the log. */
    public void saveLogs() {
        run(command("logs", "--no-color"), this.variables, this.log);
    }

    private void compose(String... arguments) {
        int exit = run(command(arguments), this.variables, this.log);
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command(arguments)) + " exited with " + exit + "; see " + this.log);
        }
    }

    private List<String> command(String... arguments) {
        List<String> command = new ArrayList<>(this.compose);
        command.addAll(List.of("-f", FILE.toString(), "-p", this.project));
        command.addAll(List.of(arguments));
        return command;
    }

    private static Optional<List<String>> composeCommand() {
        if (run(List.of("docker", "compose", "version"), Map.of(), null) == 0) {
            return Optional.of(List.of("docker", "compose"));
        }
        if (run(List.of("docker-compose", "version"), Map.of(), null) == 0) {
            return Optional.of(List.of("docker-compose"));
        }
        return Optional.empty();
    }

    /** Runs a command to its end; its output goes to {@code log} (appended) or nowhere. Returns the exit code, -1 if it cannot run. */
    private static int run(List<String> command, Map<String, String> variables, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        builder.environment().putAll(variables);
        if (log == null) {
            builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        } else {
            try {
                Files.createDirectories(log.getParent());
                Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write " + log, e);
            }
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        }
        try {
            Process process = builder.start();
            if (!process.waitFor(COMMAND_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException notInstalled) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** A system property, else an environment variable, else the compose file's default for that variable. */
    private static String setting(String property, String variable) {
        String configured = System.getProperty(property, System.getenv(variable));
        return configured == null || configured.isBlank() ? composeDefault(variable) : configured;
    }

    /** The default in {@code ${VARIABLE:-default}} in the compose file. */
    public static String composeDefault(String variable) {
        try {
            Matcher matcher = Pattern.compile("\\$\\{" + variable + ":-([^}]+)}").matcher(Files.readString(FILE));
            if (!matcher.find()) {
                throw new IllegalStateException("docker-compose.yml has no default for " + variable);
            }
            return matcher.group(1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + FILE, e);
        }
    }
}
