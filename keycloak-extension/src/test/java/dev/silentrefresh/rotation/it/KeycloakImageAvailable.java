package dev.silentrefresh.rotation.it;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.ImageNameSubstitutor;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;

/**
 * Runs a test class only where Testcontainers can start the Keycloak image: a Docker engine answers, and it has the image
 * or can pull it. Otherwise the class is skipped with a one-line reason naming the image and how to provide it. With the
 * environment variable {@code DOCKER_TESTS_REQUIRED=true} (set by {@code scripts/local-docker.sh run}, which CI uses) the
 * class fails instead, so a run that was meant to use Docker cannot pass by skipping.
 *
 * <p>The image is the system property {@code keycloak.image}, else the environment variable {@code KEYCLOAK_IMAGE} (which
 * {@code docker-compose.yml} reads too), else the official {@code quay.io/keycloak/keycloak} at the pom's
 * {@code keycloak.version}. The presence check runs before Testcontainers sees the image, so an engine without a registry
 * gets a reason instead of a failed pull.
 */
final class KeycloakImageAvailable implements ExecutionCondition {

    private static final String OFFICIAL_REPOSITORY = "quay.io/keycloak/keycloak";
    private static final String LOCAL_REPOSITORY = "silent-refresh/keycloak";
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);
    private static final Pattern ENGINE_MESSAGE = Pattern.compile("\\{\"message\":\"(.*)\"}");

    /** The image to run, with Testcontainers' configured name substitution (e.g. a registry mirror) applied. */
    static DockerImageName image() {
        String configured = System.getProperty("keycloak.image", System.getenv("KEYCLOAK_IMAGE"));
        String name = configured == null || configured.isBlank() ? OFFICIAL_REPOSITORY + ":" + version() : configured;
        return ImageNameSubstitutor.instance().apply(DockerImageName.parse(name));
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        DockerImageName image = image();
        Optional<String> missing = whatIsMissing(image);
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("the Docker engine has " + image.asCanonicalNameString());
        }
        if (Boolean.parseBoolean(System.getenv("DOCKER_TESTS_REQUIRED"))) {
            throw new IllegalStateException("DOCKER_TESTS_REQUIRED=true, but " + missing.get());
        }
        // the build log shows skipped tests without their reason: print it once, for the class
        System.out.println("[skipped] " + context.getDisplayName() + ": " + missing.get());
        return ConditionEvaluationResult.disabled(missing.get());
    }

    private static Optional<String> whatIsMissing(DockerImageName image) {
        DockerClient docker;
        try {
            docker = DockerClientFactory.instance().client();
        } catch (IllegalStateException noEngine) {
            return Optional.of("no Docker engine answers (DOCKER_HOST=" + System.getenv().getOrDefault("DOCKER_HOST", "unset")
                    + "), so Testcontainers cannot start " + image.asCanonicalNameString()
                    + "; RefreshTokenRotationIT runs the same scenarios against the distribution");
        } catch (RuntimeException unusable) {
            return Optional.of("Testcontainers cannot use the Docker engine (" + firstLine(unusable)
                    + "); where no image registry is reachable, set the environment variable TESTCONTAINERS_RYUK_DISABLED=true");
        }
        if (isPresent(docker, image)) {
            return Optional.empty();
        }
        return pull(docker, image).map(failure -> "the image " + image.asCanonicalNameString()
                + " is not on the Docker engine and cannot be pulled (" + failure + "): pull it, or build "
                + LOCAL_REPOSITORY + ":" + version() + " with scripts/local-docker.sh and run with -Dkeycloak.image="
                + LOCAL_REPOSITORY + ":" + version() + " (or KEYCLOAK_IMAGE)");
    }

    private static boolean isPresent(DockerClient docker, DockerImageName image) {
        try {
            docker.inspectImageCmd(image.asCanonicalNameString()).exec();
            return true;
        } catch (NotFoundException absent) {
            return false;
        }
    }

    /** Pulls the image; empty when it worked, else why not. */
    private static Optional<String> pull(DockerClient docker, DockerImageName image) {
        try {
            boolean done = docker.pullImageCmd(image.getUnversionedPart()).withTag(image.getVersionPart()).start()
                    .awaitCompletion(PULL_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
            return done ? Optional.empty() : Optional.of("no answer within " + PULL_TIMEOUT.toMinutes() + " min");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        } catch (RuntimeException failed) {
            return Optional.of(engineMessage(failed));
        }
    }

    private static String version() {
        return System.getProperty("keycloak.version");
    }

    /** The engine's own words from an error answer ({@code Status 500: {"message":"..."}}), else the first line. */
    private static String engineMessage(RuntimeException failure) {
        Matcher message = ENGINE_MESSAGE.matcher(String.valueOf(failure.getMessage()));
        return message.find() ? message.group(1).replace("\\\"", "\"") : firstLine(failure);
    }

    private static String firstLine(Throwable failure) {
        String message = String.valueOf(failure.getMessage()).strip();
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
