package dev.silentrefresh.rotation;

import java.util.List;
import java.util.Set;

import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.keycloak.OAuth2Constants;
import org.keycloak.OAuthErrorException;
import org.keycloak.common.util.Time;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.oidc.TokenManager;
import org.keycloak.representations.RefreshToken;
import org.keycloak.representations.idm.ClientPolicyExecutorConfigurationRepresentation;
import org.keycloak.representations.idm.ErrorRepresentation;
import org.keycloak.services.CorsErrorResponseException;
import org.keycloak.services.ErrorResponse;
import org.keycloak.services.clientpolicy.ClientPolicyContext;
import org.keycloak.services.clientpolicy.ClientPolicyException;
import org.keycloak.services.clientpolicy.context.ResourceOwnerPasswordCredentialsResponseContext;
import org.keycloak.services.clientpolicy.context.TokenRefreshContext;
import org.keycloak.services.clientpolicy.context.TokenRefreshResponseContext;
import org.keycloak.services.clientpolicy.context.TokenResponseContext;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider;
import org.keycloak.services.cors.Cors;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Makes the refresh tokens of the clients it covers single-use.
 *
 * <ul>
 * <li>On login ({@code TOKEN_RESPONSE}, password grant) the refresh token starts a new family at generation 0.</li>
 * <li>On refresh ({@code TOKEN_REFRESH}) the presented token is verified exactly as Keycloak verifies it, the family is
 * locked, and {@link RotationDecider} decides: rotate, grace, or reuse. Reuse revokes the family and is refused.</li>
 * <li>On the refresh response ({@code TOKEN_REFRESH_RESPONSE}) the new token is stamped and the family advanced.</li>
 * </ul>
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2">RFC 9700 §4.14.2</a>
 */
public class RefreshTokenRotationExecutor implements ClientPolicyExecutorProvider<RefreshTokenRotationExecutor.Configuration> {

    private static final Logger logger = Logger.getLogger(RefreshTokenRotationExecutor.class);

    /** Carries the decision from TOKEN_REFRESH to TOKEN_REFRESH_RESPONSE of the same request. */
    private static final String PENDING_ROTATION = RefreshTokenRotationExecutor.class.getName() + ".pending";
    /** Set once this request holds its family's lock. */
    private static final String FAMILY_LOCKED = RefreshTokenRotationExecutor.class.getName() + ".locked";

    private final KeycloakSession session;
    private RotationSettings settings = RotationSettings.DEFAULTS;
    private String configurationProblem;

    public RefreshTokenRotationExecutor(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public String getProviderId() {
        return RefreshTokenRotationExecutorFactory.PROVIDER_ID;
    }

    @Override
    public Class<Configuration> getExecutorConfigurationClass() {
        return Configuration.class;
    }

    @Override
    public void setupConfiguration(Configuration config) {
        try {
            settings = config.toSettings();
            configurationProblem = null;
        } catch (InvalidSettingException e) {
            // the admin API refuses such a configuration (validateConfig); only a hand-edited realm import gets here
            settings = RotationSettings.DEFAULTS;
            configurationProblem = e.getMessage();
        }
    }

    @Override
    public void executeOnEvent(ClientPolicyContext context) throws ClientPolicyException {
        if (configurationProblem != null) {
            logger.warnf("Invalid configuration of executor %s (%s); applying the defaults",
                    RefreshTokenRotationExecutorFactory.PROVIDER_ID, configurationProblem);
        }
        switch (context.getEvent()) {
            case TOKEN_RESPONSE -> startFamily(((TokenResponseContext) context).getAccessTokenResponseBuilder());
            case RESOURCE_OWNER_PASSWORD_CREDENTIALS_RESPONSE ->
                    startFamily(((ResourceOwnerPasswordCredentialsResponseContext) context).getAccessTokenResponseBuilder());
            case TOKEN_REFRESH -> checkPresentedToken((TokenRefreshContext) context);
            case TOKEN_REFRESH_RESPONSE -> issueNextToken((TokenRefreshResponseContext) context);
            default -> {
            }
        }
    }

    private void startFamily(TokenManager.AccessTokenResponseBuilder response) {
        RefreshToken issued = response.getRefreshToken();
        if (issued == null || !covers(issued)) {
            return;
        }
        AuthenticatedClientSessionModel clientSession = clientSessionOf(issued, response.getClientSessionCtx().getClientSession());
        if (clientSession == null) {
            return;
        }
        long now = Time.currentTimeMillis();
        String family = KeycloakModelUtils.generateId();
        TokenFamilies.forgetExpired(clientSession, now);
        TokenFamilies.stamp(issued, family, 0);
        TokenFamilies.write(clientSession, family, FamilyState.issued(0, now, expiryOf(issued)));
        logger.tracef("Started refresh token family %s for client %s", family, clientSession.getClient().getClientId());
    }

    private void checkPresentedToken(TokenRefreshContext context) throws ClientPolicyException {
        // a second profile with this executor must not lock the family twice in one request
        if (session.getAttribute(FAMILY_LOCKED) != null) {
            return;
        }
        ClientModel client = context.getClient();
        RefreshToken presented = verify(client, context.getParams().getFirst(OAuth2Constants.REFRESH_TOKEN));
        // a token Keycloak will refuse anyway is left to Keycloak: an attacker without a valid token must revoke nothing
        if (presented == null || !covers(presented)) {
            return;
        }
        String family = TokenFamilies.familyOf(presented);
        if (!FamilyLock.acquire(session, presented.getSessionId(), family)) {
            throw new ClientPolicyException("temporarily_unavailable",
                    "Another refresh of this token family is still running; retry later", Response.Status.SERVICE_UNAVAILABLE);
        }
        session.setAttribute(FAMILY_LOCKED, family);
        AuthenticatedClientSessionModel clientSession = findClientSession(client, presented);
        if (clientSession == null) {
            return;
        }
        RotationDecision decision = new RotationDecider(settings.gracePeriod())
                .decide(TokenFamilies.read(clientSession, family), TokenFamilies.generationOf(presented), Time.currentTimeMillis());
        switch (decision.verdict()) {
            case REUSE -> refuseReuse(client, presented, family);
            case GRACE -> warnIfRealmRevocationDefeatsGrace(client);
            case ROTATE -> logger.tracef("Rotating refresh token family %s to generation %d", family, decision.issueGeneration());
        }
        session.setAttribute(PENDING_ROTATION, new PendingRotation(family, decision));
    }

    private void issueNextToken(TokenRefreshResponseContext context) {
        PendingRotation pending = session.getAttribute(PENDING_ROTATION, PendingRotation.class);
        RefreshToken issued = context.getAccessTokenResponseBuilder().getRefreshToken();
        if (pending == null || issued == null) {
            return;
        }
        TokenFamilies.stamp(issued, pending.family(), pending.decision().issueGeneration());
        if (pending.decision().advancesFamily()) {
            TokenFamilies.write(context.getClientSession(), pending.family(),
                    FamilyState.issued(pending.decision().issueGeneration(), Time.currentTimeMillis(), expiryOf(issued)));
        }
    }

    /** Verifies the token with Keycloak's own checks: signature, type, issuer, not-before, expiry, client, binding. */
    private RefreshToken verify(ClientModel client, String encoded) {
        if (encoded == null || encoded.isBlank()) {
            return null;
        }
        RealmModel realm = session.getContext().getRealm();
        try {
            return new TokenManager().verifyRefreshToken(session, realm, client, session.getContext().getHttpRequest(), encoded, true);
        } catch (OAuthErrorException e) {
            logger.debugf("Leaving an invalid refresh token to Keycloak: %s", e.getDescription());
            return null;
        } catch (RuntimeException e) {
            logger.debugf("Leaving an unreadable refresh token to Keycloak: %s", e.getClass().getSimpleName());
            return null;
        }
    }

    private AuthenticatedClientSessionModel findClientSession(ClientModel client, RefreshToken token) {
        UserSessionModel userSession = TokenFamilies.userSessionOf(session, session.getContext().getRealm(), token);
        return userSession == null ? null : userSession.getAuthenticatedClientSessionByClient(client.getId());
    }

    /** An offline token's family lives in the offline client session, which login creates beside the online one. */
    private AuthenticatedClientSessionModel clientSessionOf(RefreshToken token, AuthenticatedClientSessionModel loginClientSession) {
        return TokenFamilies.isOffline(token) ? findClientSession(loginClientSession.getClient(), token) : loginClientSession;
    }

    private void refuseReuse(ClientModel client, RefreshToken presented, String family) {
        new FamilyRevocation(session).revoke(client, presented, family, settings.revocationScope());
        // answered here rather than through ClientPolicyException, so that Keycloak does not record a second, generic
        // REFRESH_TOKEN_ERROR next to the refresh_token_reused one; the token endpoint's CORS headers still apply
        throw new CorsErrorResponseException(session.getProvider(Cors.class), OAuthErrorException.INVALID_GRANT,
                "Refresh token reuse detected; the session has been revoked", Response.Status.BAD_REQUEST);
    }

    private void warnIfRealmRevocationDefeatsGrace(ClientModel client) {
        if (session.getContext().getRealm().isRevokeRefreshToken()) {
            logger.warnf("Client %s: the realm's 'Revoke Refresh Token' is on, so Keycloak's own check will refuse the"
                    + " previous refresh token despite the grace window of %s; turn it off for clients this executor covers",
                    client.getClientId(), RefreshTokenRotationExecutorFactory.PROVIDER_ID);
        }
    }

    private boolean covers(RefreshToken token) {
        return settings.includeOfflineTokens() || !TokenFamilies.isOffline(token);
    }

    private static long expiryOf(RefreshToken token) {
        Long exp = token.getExp();
        return exp == null ? 0 : exp;
    }

    private record PendingRotation(String family, RotationDecision decision) {
    }

    /**
     * The executor's configuration as stored in the client profile. Values are kept raw, because the Admin Console
     * stores numbers and booleans as strings and a binding error would reach the admin as HTTP 500; {@link #toSettings()}
     * types and validates them.
     */
    public static class Configuration extends ClientPolicyExecutorConfigurationRepresentation {

        @JsonProperty(RefreshTokenRotationExecutorFactory.GRACE_PERIOD_SECONDS)
        protected Object gracePeriodSeconds;

        @JsonProperty(RefreshTokenRotationExecutorFactory.REUSE_REVOCATION_SCOPE)
        protected Object reuseRevocationScope;

        @JsonProperty(RefreshTokenRotationExecutorFactory.INCLUDE_OFFLINE_TOKENS)
        protected Object includeOfflineTokens;

        RotationSettings toSettings() throws InvalidSettingException {
            return RotationSettings.parse(gracePeriodSeconds, reuseRevocationScope, includeOfflineTokens, Set.copyOf(getConfigAsMap().keySet()));
        }

        /** Refuses an invalid configuration with HTTP 400 naming the property; nothing is saved. */
        @Override
        public boolean validateConfig() {
            try {
                toSettings();
                return true;
            } catch (InvalidSettingException e) {
                throw ErrorResponse.errors(List.of(new ErrorRepresentation(e.property(),
                        "Invalid configuration of executor " + RefreshTokenRotationExecutorFactory.PROVIDER_ID + ": " + e.getMessage(),
                        null)), Response.Status.BAD_REQUEST);
            }
        }
    }
}
