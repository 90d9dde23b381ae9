package dev.silentrefresh.rotation;

import java.util.Objects;

import org.keycloak.representations.RefreshToken;

/**
 * The executor's mark on a refresh request that a client policy applies it to, with the settings of that policy. The
 * executor only marks; {@link RefreshRotationPostProcessor} enforces, once the new tokens exist, so that no combination
 * of policy conditions can let a decision go unapplied.
 */
record CoveredRefresh(RotationSettings settings) {

    /** Session attribute under which the mark travels from the client-policy event to the token post-processor. */
    static final String ATTRIBUTE = CoveredRefresh.class.getName();

    CoveredRefresh {
        Objects.requireNonNull(settings, "settings cannot be null");
    }

    /** Offline tokens are covered unless the configuration leaves them out. */
    boolean covers(RefreshToken token) {
        return settings.includeOfflineTokens() || !TokenFamilies.isOffline(token);
    }
}
