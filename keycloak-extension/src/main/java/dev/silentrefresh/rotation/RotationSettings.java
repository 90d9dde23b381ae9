package dev.silentrefresh.rotation;

import static dev.silentrefresh.rotation.RefreshTokenRotationExecutorFactory.BOUND_TOKEN_RETRY;
import static dev.silentrefresh.rotation.RefreshTokenRotationExecutorFactory.GRACE_PERIOD_SECONDS;
import static dev.silentrefresh.rotation.RefreshTokenRotationExecutorFactory.INCLUDE_OFFLINE_TOKENS;
import static dev.silentrefresh.rotation.RefreshTokenRotationExecutorFactory.MAX_GRACE_SIBLINGS;
import static dev.silentrefresh.rotation.RefreshTokenRotationExecutorFactory.REUSE_REVOCATION_SCOPE;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The executor's configuration, validated and typed.
 *
 * <p>Parsing accepts what the Admin Console stores (numbers and booleans as strings) and what the admin REST API may
 * send (JSON numbers and booleans). Anything else is refused with the name of the property, never guessed.
 *
 * @param gracePeriod          how long after a rotation the token it consumed may come back for a sibling
 * @param revocationScope      what a reuse revokes
 * @param includeOfflineTokens whether offline tokens are rotated and protected too
 * @param maxGraceSiblings     how many siblings one consumed token may receive in all (inside the window, or while its
 *                             rotation is still committing); one more presentation is reuse. For a key-bound family under
 *                             {@code boundTokenRetry}: how many of its bound siblings may be alive at once
 * @param boundTokenRetry      whether the consumed token of a DPoP-bound family, presented again with a proof by the family's
 *                             key, gets a sibling at any time until the family moves on (not only inside the window)
 */
record RotationSettings(Duration gracePeriod, RevocationScope revocationScope, boolean includeOfflineTokens, int maxGraceSiblings,
                        boolean boundTokenRetry) {

    static final int MAX_GRACE_PERIOD_SECONDS = 300;
    static final int MAX_MAX_GRACE_SIBLINGS = 100;

    /**
     * A 10 s window: two requests racing with one token (clients without a single owner of the token, such as several
     * keycloak-js tabs sharing storage) and a lost response retried after a short timeout get through, where 0 would revoke
     * honest users out of the box; a thief replaying inside it gains at most the siblings below and is caught at the next
     * refresh of either side. Three siblings cover a retry, a second retry and a double submit. Bound-token retry is off:
     * it lets a consumed token come back for as long as the family has not moved on, which is safe only where the client's
     * key truly cannot leave its device, and the executor cannot see that; an admin turns it on per client profile.
     */
    static final RotationSettings DEFAULTS = new RotationSettings(Duration.ofSeconds(10), RevocationScope.CLIENT_SESSION, true, 3, false);

    /**
     * Digits only: no sign, no fraction, no exponent; the length bound keeps {@code parseInt} from overflowing. Compiled
     * once: Keycloak parses the configuration on every policy event, i.e. twice per refresh (the profile showed
     * {@code String.matches} compiling it each time).
     */
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[0-9]{1,9}");
    private static final List<String> KNOWN_PROPERTIES = List.of(GRACE_PERIOD_SECONDS, REUSE_REVOCATION_SCOPE, INCLUDE_OFFLINE_TOKENS,
            MAX_GRACE_SIBLINGS, BOUND_TOKEN_RETRY);

    RotationSettings {
        Objects.requireNonNull(gracePeriod, "gracePeriod cannot be null");
        Objects.requireNonNull(revocationScope, "revocationScope cannot be null");
        if (maxGraceSiblings < 1) {
            throw new IllegalArgumentException("maxGraceSiblings must be at least 1");
        }
    }

    /** Settings without bound-token retry. */
    RotationSettings(Duration gracePeriod, RevocationScope revocationScope, boolean includeOfflineTokens, int maxGraceSiblings) {
        this(gracePeriod, revocationScope, includeOfflineTokens, maxGraceSiblings, false);
    }

    /**
     * The settings of two executors that apply to one request (two policies covering one client): the stricter of each,
     * so that adding a policy can only tighten protection. The shorter window and the smaller sibling bound, the wider
     * revocation scope, offline tokens covered if either covers them, bound-token retry only if both allow it.
     */
    RotationSettings merge(RotationSettings other) {
        return new RotationSettings(
                gracePeriod.compareTo(other.gracePeriod) <= 0 ? gracePeriod : other.gracePeriod,
                revocationScope.compareTo(other.revocationScope) >= 0 ? revocationScope : other.revocationScope,
                includeOfflineTokens || other.includeOfflineTokens,
                Math.min(maxGraceSiblings, other.maxGraceSiblings),
                boundTokenRetry && other.boundTokenRetry);
    }

    /**
     * @param gracePeriodSeconds   raw value of {@code grace-period-seconds}, or {@code null} for the default
     * @param reuseRevocationScope raw value of {@code reuse-revocation-scope}, or {@code null} for the default
     * @param includeOfflineTokens raw value of {@code include-offline-tokens}, or {@code null} for the default
     * @param maxGraceSiblings     raw value of {@code max-grace-siblings}, or {@code null} for the default
     * @param otherProperties      names of any further configuration properties (all of them are refused)
     */
    static RotationSettings parse(Object gracePeriodSeconds, Object reuseRevocationScope, Object includeOfflineTokens,
                                  Object maxGraceSiblings, Collection<String> otherProperties) throws InvalidSettingException {
        return parse(gracePeriodSeconds, reuseRevocationScope, includeOfflineTokens, maxGraceSiblings, null, otherProperties);
    }

    /** @param boundTokenRetry raw value of {@code bound-token-retry}, or {@code null} for the default */
    static RotationSettings parse(Object gracePeriodSeconds, Object reuseRevocationScope, Object includeOfflineTokens,
                                  Object maxGraceSiblings, Object boundTokenRetry, Collection<String> otherProperties)
            throws InvalidSettingException {
        if (!otherProperties.isEmpty()) {
            String name = otherProperties.iterator().next();
            throw new InvalidSettingException(name, "unknown property; known properties are " + String.join(", ", KNOWN_PROPERTIES));
        }
        return new RotationSettings(
                Duration.ofSeconds(parseGracePeriodSeconds(gracePeriodSeconds)),
                parseRevocationScope(reuseRevocationScope),
                parseBoolean(INCLUDE_OFFLINE_TOKENS, includeOfflineTokens, DEFAULTS.includeOfflineTokens()),
                parseMaxGraceSiblings(maxGraceSiblings),
                parseBoolean(BOUND_TOKEN_RETRY, boundTokenRetry, DEFAULTS.boundTokenRetry()));
    }

    private static int parseGracePeriodSeconds(Object raw) throws InvalidSettingException {
        String text = scalarText(GRACE_PERIOD_SECONDS, raw);
        if (text == null) {
            return (int) DEFAULTS.gracePeriod().toSeconds();
        }
        String expectation = "must be a whole number of seconds from 0 to " + MAX_GRACE_PERIOD_SECONDS;
        if (!WHOLE_NUMBER.matcher(text).matches()) {
            throw new InvalidSettingException(GRACE_PERIOD_SECONDS, expectation);
        }
        int seconds = Integer.parseInt(text);
        if (seconds > MAX_GRACE_PERIOD_SECONDS) {
            throw new InvalidSettingException(GRACE_PERIOD_SECONDS, expectation
                    + "; a longer window gives a stolen token more time to be replayed unnoticed");
        }
        return seconds;
    }

    private static int parseMaxGraceSiblings(Object raw) throws InvalidSettingException {
        String text = scalarText(MAX_GRACE_SIBLINGS, raw);
        if (text == null) {
            return DEFAULTS.maxGraceSiblings();
        }
        if (!WHOLE_NUMBER.matcher(text).matches() || Integer.parseInt(text) < 1 || Integer.parseInt(text) > MAX_MAX_GRACE_SIBLINGS) {
            throw new InvalidSettingException(MAX_GRACE_SIBLINGS, "must be a whole number from 1 to " + MAX_MAX_GRACE_SIBLINGS
                    + "; every sibling is another access token for whoever holds the consumed refresh token");
        }
        return Integer.parseInt(text);
    }

    private static RevocationScope parseRevocationScope(Object raw) throws InvalidSettingException {
        String text = scalarText(REUSE_REVOCATION_SCOPE, raw);
        if (text == null) {
            return DEFAULTS.revocationScope();
        }
        return RevocationScope.fromConfigValue(text).orElseThrow(() -> new InvalidSettingException(REUSE_REVOCATION_SCOPE,
                "must be one of " + Arrays.stream(RevocationScope.values()).map(RevocationScope::configValue).collect(Collectors.joining(", "))));
    }

    private static boolean parseBoolean(String property, Object raw, boolean defaultValue) throws InvalidSettingException {
        String text = scalarText(property, raw);
        if (text == null) {
            return defaultValue;
        }
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        if (text.equalsIgnoreCase("false")) {
            return false;
        }
        throw new InvalidSettingException(property, "must be true or false");
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
