package dev.silentrefresh.demo.testing;

import java.util.Optional;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class only where {@link DockerCompose} can run the compose file; otherwise skips it with the one-line reason.
 * With the environment variable {@code DOCKER_TESTS_REQUIRED=true} (set by {@code scripts/local-docker.sh run}, which CI
 * uses) the class fails instead, so a run that was meant to use Docker cannot pass by skipping.
 */
public final class DockerComposeAvailable implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<String> missing = DockerCompose.whyNot();
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("Docker and compose are here");
        }
        if (Boolean.parseBoolean(System.getenv("DOCKER_TESTS_REQUIRED"))) {
            throw new IllegalStateException("DOCKER_TESTS_REQUIRED=true, but " + missing.get());
        }
        // the build log shows skipped tests without their reason: print it once, for the class
        System.out.println("[skipped] " + context.getDisplayName() + ": " + missing.get());
        return ConditionEvaluationResult.disabled(missing.get());
    }
}
