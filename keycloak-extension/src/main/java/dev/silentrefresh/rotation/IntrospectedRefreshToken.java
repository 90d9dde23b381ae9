package dev.silentrefresh.rotation;

import org.keycloak.events.Details;
import org.keycloak.events.Errors;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserSessionModel;
import org.keycloak.representations.RefreshToken;

/**
 * The rotation's part of an introspection answer: whether a refresh with the token would be honoured now (rotate, grace
 * or adopt), asked once Keycloak's own introspection checks have passed. Reads only; introspection is no use of the
 * token.
 */
final class IntrospectedRefreshToken {

    private IntrospectedRefreshToken() {
    }

    /**
     * @param tokenClient the token's client, as Keycloak's checks found it
     * @return {@code false} (with the event's error set) for a rotated-out token, the consumed one after the grace window,
     *         or a token of a revoked family or login; {@code true} otherwise, also for a token the executor does not cover
     */
    static boolean isLive(KeycloakSession session, UserSessionModel userSession, ClientModel tokenClient, RefreshToken token,
                          EventBuilder event) {
        AuthenticatedClientSessionModel clientSession = userSession.getAuthenticatedClientSessionByClient(tokenClient.getId());
        if (clientSession == null) {
            return true;
        }
        RefreshRotation rotation = RefreshRotation.of(session, clientSession, token, coveredFor(session, tokenClient, token));
        if (rotation == null || rotation.wouldBeHonoured()) {
            return true;
        }
        event.detail(Details.REASON, "Refresh token rotated out, or its family revoked");
        event.error(Errors.INVALID_TOKEN);
        return false;
    }

    /**
     * The settings a refresh of the token by its own client would be enforced with. When that client is the one
     * introspecting, the executor's mark from {@code TOKEN_INTROSPECT} (the policies applying it to this request). When
     * another client introspects (one with Keycloak's option to skip the audience check), or no policy voted on the
     * introspection, the realm's policies as they apply to a refresh of the token's client ({@link PolicyCoverage}); the
     * mark stands for the introspecting client only. On 26.4/26.5 there is no such evaluation: without the mark, a token
     * the executor stamped is decided with the settings its family recorded, and an unstamped one gets Keycloak's answer.
     */
    private static CoveredRefresh coveredFor(KeycloakSession session, ClientModel tokenClient, RefreshToken token) {
        ClientModel introspecting = session.getContext().getClient();
        if (introspecting != null && introspecting.getId().equals(tokenClient.getId())) {
            CoveredRefresh marked = session.getAttribute(CoveredRefresh.ATTRIBUTE, CoveredRefresh.class);
            if (marked != null) {
                return marked;
            }
        }
        if (RefreshHook.onThisServer() == RefreshHook.CLIENT_POLICY_RESPONSE) {
            // Keycloak 26.4/26.5: PolicyCoverage needs 26.7's client-policy APIs (a refresh context with a scope, a
            // policy's mode), which these lines lack; a stamped token is then decided with its family's recorded settings
            return null;
        }
        RotationSettings settings = PolicyCoverage.settingsFor(session, tokenClient, token.getScope());
        return settings == null ? null : new CoveredRefresh(settings);
    }
}
