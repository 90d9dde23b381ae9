package dev.silentrefresh.rotation;

import java.util.Objects;

import org.keycloak.representations.RefreshToken;

/**
 * The executor's mark on a token request that a client policy applies it to (a refresh, or a grant that issues a refresh
 * token), with the settings of that policy, merged with those of any other policy applying it too. The executor only
 * marks; {@link RefreshRotationPostProcessor} stamps and enforces, once the new tokens exist, so that no combination of
 * policy conditions can let a decision go unapplied.
 */
record CoveredRefresh(RotationSettings settings) {

    /** Session attribute under which the mark travels from the client-policy event to the token post-processor. */
    static final String ATTRIBUTE = CoveredRefresh.class.getName();

    CoveredRefresh {
        Objects.requireNonNull(settings, "settings cannot be null");
    }

    /** Two policies covering one request act as one, with the stricter settings ({@link RotationSettings#merge}). */
    CoveredRefresh merge(RotationSettings other) {
        return new CoveredRefresh(settings.merge(other));
    }

    /** Offline tokens are covered unless the configuration leaves them out. */
    boolean covers(RefreshToken token) {
        return settings.includeOfflineTokens() || !TokenFamilies.isOffline(token);
    }
}
