package dev.silentrefresh.rotation;

import org.jboss.logging.Logger;
import org.keycloak.common.util.Time;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.representations.RefreshToken;

/**
 * Starts a family at generation 0 with a refresh token issued by a grant other than refresh, whichever
 * {@link RefreshHook} calls it.
 */
final class FamilyStart {

    private static final Logger logger = Logger.getLogger(FamilyStart.class);

    private FamilyStart() {
    }

    /**
     * @param loginClientSession the client session of the login that issued {@code issued}
     * @param covered            the executor's mark on this request (or, on 26.7, what the realm's policies say where none
     *                           voted on the response), {@code null} if the client is not covered
     */
    static void start(KeycloakSession session, AuthenticatedClientSessionModel loginClientSession, RefreshToken issued,
                      CoveredRefresh covered) {
        if (issued == null || TokenFamilies.presented(issued).isStamped()) {
            return;
        }
        if (covered == null || !covered.covers(issued)) {
            return;
        }
        AuthenticatedClientSessionModel home = familyHomeOf(session, issued, loginClientSession);
        if (home == null) {
            return;
        }
        long now = Time.currentTimeMillis();
        String family = KeycloakModelUtils.generateId();
        TokenFamilies.makeRoomForOneMore(home, now);
        TokenFamilies.ensureClientSessionId(home);
        TokenFamilies.stamp(issued, family, 0);
        TokenFamilies.write(home, family, FamilyState.issued(0, now, TokenFamilies.expiryOf(issued), null, covered.settings()));
        logger.tracef("Started refresh token family %s for client %s", family, home.getClient().getClientId());
    }

    /** An offline token's family lives in the offline client session, which login creates beside the online one. */
    private static AuthenticatedClientSessionModel familyHomeOf(KeycloakSession session, RefreshToken token,
                                                                AuthenticatedClientSessionModel loginClientSession) {
        if (!TokenFamilies.isOffline(token)) {
            return loginClientSession;
        }
        return TokenFamilies.clientSessionOf(session, session.getContext().getRealm(), loginClientSession.getClient(),
                token.getSessionId(), true);
    }
}
