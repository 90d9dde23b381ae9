package dev.silentrefresh.rotation.it;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips, with the reason, the scenarios a guarantee of which an older Keycloak line cannot give, when the rotation
 * contract runs against that line (keycloak-extension's failsafe executions {@code contract-on-26.x}). The list is the
 * system property {@code keycloak.line.without}: entries {@code method} or {@code method[text]} (one invocation of a
 * parameterized test, by text in its display name), separated by {@code ;}, and {@code keycloak.line.reason} says why.
 * Without the property nothing is skipped. Registered through JUnit's extension auto-detection
 * ({@code junit-platform.properties}), so the scenarios themselves stay as they are.
 */
public final class NotOnThisKeycloakLine implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String without = System.getProperty("keycloak.line.without", "");
        if (without.isBlank() || context.getTestMethod().isEmpty()) {
            return ConditionEvaluationResult.enabled("every scenario applies");
        }
        String method = context.getRequiredTestMethod().getName();
        String invocation = context.getDisplayName();
        List<String> entries = Arrays.stream(without.split(";")).map(String::trim).filter(e -> !e.isEmpty()).toList();
        for (String entry : entries) {
            int bracket = entry.indexOf('[');
            String entryMethod = bracket < 0 ? entry : entry.substring(0, bracket);
            String text = bracket < 0 ? null : entry.substring(bracket + 1, entry.length() - 1);
            boolean isInvocation = context.getParent().flatMap(ExtensionContext::getTestMethod).isPresent();
            if (entryMethod.equals(method) && (text == null || isInvocation && invocation.contains(text))) {
                return ConditionEvaluationResult.disabled("not on Keycloak " + System.getProperty("keycloak.version") + ": "
                        + System.getProperty("keycloak.line.reason", "this line cannot give it"));
            }
        }
        return ConditionEvaluationResult.enabled("applies on this line");
    }
}
