package dev.silentrefresh.rotation;

import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorContext;
import org.keycloak.representations.RefreshToken;

/**
 * Stamps and enforces, once Keycloak has built the tokens of a request (and, on refresh, verified the presented one).
 *
 * <p>Keycloak runs token post-processors for every grant, whatever the client policies say, so nothing depends on which
 * events a policy's conditions vote on:
 * <ul>
 * <li>A refresh token issued by any grant other than refresh (authorization code, password, token exchange, device code,
 * CIBA) to a covered client starts a family at generation 0. Covered means the executor marked the request, or, where no
 * policy voted on the grant's response, that the realm's policies apply the executor to the client's refreshes
 * ({@link PolicyCoverage}).</li>
 * <li>A refresh the executor marked is enforced with the executor's settings, and a token of a family the executor
 * started is enforced with the settings recorded in the family even if no policy applies to the client any more (fail
 * closed). Tokens the executor never touched, of clients it does not cover, pass through untouched.</li>
 * </ul>
 * Keycloak 26.7 and newer only ({@link RefreshHook#TOKEN_POST_PROCESSOR}); on older lines Keycloak never loads this class
 * and the executor does both itself.
 */
final class RefreshRotationPostProcessor implements TokenPostProcessor {

    private final KeycloakSession session;

    RefreshRotationPostProcessor(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public void process(TokenPostProcessorContext context) {
        if (context.clientSessionCtx() == null) {
            return;
        }
        CoveredRefresh covered = session.getAttribute(CoveredRefresh.ATTRIBUTE, CoveredRefresh.class);
        RefreshToken presented = context.requestRefreshToken();
        if (presented == null) {
            AuthenticatedClientSessionModel login = context.clientSessionCtx().getClientSession();
            FamilyStart.start(session, login, context.refreshToken(), covered != null ? covered : policyCoverage(login, context));
        } else {
            RotationEnforcement.enforce(session, context.clientSessionCtx().getClientSession(), presented, context.refreshToken(),
                    covered);
        }
    }

    /** Where no policy voted on the grant's response: whether the realm's policies apply the executor to the client's refreshes. */
    private CoveredRefresh policyCoverage(AuthenticatedClientSessionModel login, TokenPostProcessorContext context) {
        if (context.refreshToken() == null) {
            return null;
        }
        RotationSettings settings = PolicyCoverage.settingsFor(session, login.getClient(), context.refreshToken().getScope());
        return settings == null ? null : new CoveredRefresh(settings);
    }
}
