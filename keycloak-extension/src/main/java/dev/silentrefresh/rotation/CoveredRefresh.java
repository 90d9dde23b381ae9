package dev.silentrefresh.rotation;

import java.util.Objects;

import org.keycloak.common.util.Time;
import org.keycloak.representations.RefreshToken;

/**
 * The executor's mark on a token request that a client policy applies it to (a refresh, or a grant that issues a refresh
 * token), with the settings of that policy, merged with those of any other policy applying it too. The executor only
 * marks; {@link RefreshRotationPostProcessor} stamps and enforces, once the new tokens exist, so that no combination of
 * policy conditions can let a decision go unapplied.
 *
 * @param settings        the settings the request is enforced with
 * @param startedAtMillis server time of the first mark, at the start of the request's grant ({@code TOKEN_REFRESH} fires
 *                        before Keycloak loads sessions, verifies the token or builds the new ones): the grace window is
 *                        counted up to here, so a server slow to get from there to the decision does not turn an honest
 *                        retry into reuse
 */
record CoveredRefresh(RotationSettings settings, long startedAtMillis) {

    /** Session attribute under which the mark travels from the client-policy event to the token post-processor. */
    static final String ATTRIBUTE = CoveredRefresh.class.getName();

    CoveredRefresh {
        Objects.requireNonNull(settings, "settings cannot be null");
    }

    /** A mark made now. */
    CoveredRefresh(RotationSettings settings) {
        this(settings, Time.currentTimeMillis());
    }

    /**
     * Two policies covering one request act as one, with the stricter settings ({@link RotationSettings#merge}); the
     * request started when it was first marked.
     */
    CoveredRefresh merge(RotationSettings other) {
        return new CoveredRefresh(settings.merge(other), startedAtMillis);
    }

    /** Offline tokens are covered unless the configuration leaves them out. */
    boolean covers(RefreshToken token) {
        return settings.includeOfflineTokens() || !TokenFamilies.isOffline(token);
    }
}
