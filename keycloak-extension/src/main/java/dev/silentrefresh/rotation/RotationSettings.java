package dev.silentrefresh.rotation;

import static dev.silentrefresh.rotation.RefreshTokenRotationExecutorFactory.GRACE_PERIOD_SECONDS;
import static dev.silentrefresh.rotation.RefreshTokenRotationExecutorFactory.INCLUDE_OFFLINE_TOKENS;
import static dev.silentrefresh.rotation.RefreshTokenRotationExecutorFactory.REUSE_REVOCATION_SCOPE;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The executor's configuration, validated and typed.
 *
 * <p>Parsing accepts what the Admin Console stores (numbers and booleans as strings) and what the admin REST API may
 * send (JSON numbers and booleans). Anything else is refused with the name of the property, never guessed.
 */
record RotationSettings(Duration gracePeriod, RevocationScope revocationScope, boolean includeOfflineTokens) {

    static final int MAX_GRACE_PERIOD_SECONDS = 300;

    static final RotationSettings DEFAULTS = new RotationSettings(Duration.ZERO, RevocationScope.CLIENT_SESSION, true);

    private static final List<String> KNOWN_PROPERTIES = List.of(GRACE_PERIOD_SECONDS, REUSE_REVOCATION_SCOPE, INCLUDE_OFFLINE_TOKENS);

    RotationSettings {
        Objects.requireNonNull(gracePeriod, "gracePeriod cannot be null");
        Objects.requireNonNull(revocationScope, "revocationScope cannot be null");
    }

    /**
     * @param gracePeriodSeconds   raw value of {@code grace-period-seconds}, or {@code null} for the default
     * @param reuseRevocationScope raw value of {@code reuse-revocation-scope}, or {@code null} for the default
     * @param includeOfflineTokens raw value of {@code include-offline-tokens}, or {@code null} for the default
     * @param otherProperties      names of any further configuration properties (all of them are refused)
     */
    static RotationSettings parse(Object gracePeriodSeconds, Object reuseRevocationScope, Object includeOfflineTokens,
                                  Collection<String> otherProperties) throws InvalidSettingException {
        if (!otherProperties.isEmpty()) {
            String name = otherProperties.iterator().next();
            throw new InvalidSettingException(name, "unknown property; known properties are " + String.join(", ", KNOWN_PROPERTIES));
        }
        return new RotationSettings(
                Duration.ofSeconds(parseGracePeriodSeconds(gracePeriodSeconds)),
                parseRevocationScope(reuseRevocationScope),
                parseIncludeOfflineTokens(includeOfflineTokens));
    }

    private static int parseGracePeriodSeconds(Object raw) throws InvalidSettingException {
        String text = scalarText(GRACE_PERIOD_SECONDS, raw);
        if (text == null) {
            return (int) DEFAULTS.gracePeriod().toSeconds();
        }
        String expectation = "must be a whole number of seconds from 0 to " + MAX_GRACE_PERIOD_SECONDS;
        // digits only: no sign, no fraction, no exponent; the length bound keeps parseInt from overflowing
        if (!text.matches("[0-9]{1,9}")) {
            throw new InvalidSettingException(GRACE_PERIOD_SECONDS, expectation);
        }
        int seconds = Integer.parseInt(text);
        if (seconds > MAX_GRACE_PERIOD_SECONDS) {
            throw new InvalidSettingException(GRACE_PERIOD_SECONDS, expectation
                    + "; a longer window gives a stolen token more time to be replayed unnoticed");
        }
        return seconds;
    }

    private static RevocationScope parseRevocationScope(Object raw) throws InvalidSettingException {
        String text = scalarText(REUSE_REVOCATION_SCOPE, raw);
        if (text == null) {
            return DEFAULTS.revocationScope();
        }
        return RevocationScope.fromConfigValue(text).orElseThrow(() -> new InvalidSettingException(REUSE_REVOCATION_SCOPE,
                "must be one of " + Arrays.stream(RevocationScope.values()).map(RevocationScope::configValue).collect(Collectors.joining(", "))));
    }

    private static boolean parseIncludeOfflineTokens(Object raw) throws InvalidSettingException {
        String text = scalarText(INCLUDE_OFFLINE_TOKENS, raw);
        if (text == null) {
            return DEFAULTS.includeOfflineTokens();
        }
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        if (text.equalsIgnoreCase("false")) {
            return false;
        }
        throw new InvalidSettingException(INCLUDE_OFFLINE_TOKENS, "must be true or false");
    }

    /**
     * The trimmed text of a scalar value, or {@code null} when the value is absent or blank. A list with exactly one
     * element counts as that element, since list-typed console fields may store a one-element array.
     */
    private static String scalarText(String property, Object raw) throws InvalidSettingException {
        Object value = raw;
        if (value instanceof List<?> list && list.size() == 1) {
            value = list.get(0);
        }
        if (value == null) {
            return null;
        }
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            String text = value.toString().trim();
            return text.isEmpty() ? null : text;
        }
        throw new InvalidSettingException(property, "must be a single value");
    }
}
