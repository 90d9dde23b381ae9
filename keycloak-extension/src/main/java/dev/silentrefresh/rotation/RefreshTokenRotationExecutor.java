package dev.silentrefresh.rotation;

import java.util.List;
import java.util.Set;

import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.keycloak.OAuth2Constants;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.RefreshToken;
import org.keycloak.representations.idm.ClientPolicyExecutorConfigurationRepresentation;
import org.keycloak.representations.idm.ErrorRepresentation;
import org.keycloak.services.ErrorResponse;
import org.keycloak.services.clientpolicy.ClientPolicyContext;
import org.keycloak.services.clientpolicy.context.ResourceOwnerPasswordCredentialsResponseContext;
import org.keycloak.services.clientpolicy.context.TokenRefreshResponseContext;
import org.keycloak.services.clientpolicy.context.TokenResponseContext;
import org.keycloak.services.clientpolicy.context.TokenRevokeContext;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Makes the refresh tokens of the clients it covers single-use.
 *
 * <p>The executor only marks a request as covered, with its settings ({@link CoveredRefresh}):
 * <ul>
 * <li>on login ({@code TOKEN_RESPONSE}, password grant), so that the refresh token starts a new family at generation 0;</li>
 * <li>on refresh ({@code TOKEN_REFRESH}, {@code TOKEN_REFRESH_RESPONSE}), so that the rule is enforced with them;</li>
 * <li>on introspection ({@code TOKEN_INTROSPECT}), so that {@link RotationAwareRefreshTokenIntrospectionProvider} answers
 * as a refresh with these settings would be decided.</li>
 * </ul>
 * {@link RefreshRotationPostProcessor} acts once Keycloak has verified the token and built the new ones: it stamps a
 * refresh token issued by any grant to a covered client (also where no policy voted on the response), and on refresh it
 * rotates, grants a sibling, or revokes and refuses. On revocation ({@code TOKEN_REVOKE}, {@code TOKEN_REVOKE_RESPONSE})
 * {@link RefreshTokenRevocation} revokes per {@code reuse-revocation-scope}. Keycloak 26.4 and 26.5 have no
 * post-processors: there the executor itself stamps on the login's response and enforces on
 * {@code TOKEN_REFRESH_RESPONSE} ({@link RefreshHook}).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2">RFC 9700 §4.14.2</a>
 */
public class RefreshTokenRotationExecutor implements ClientPolicyExecutorProvider<RefreshTokenRotationExecutor.Configuration> {

    private static final Logger logger = Logger.getLogger(RefreshTokenRotationExecutor.class);

    /** Set once the rule has run for this request ({@link RefreshHook#CLIENT_POLICY_RESPONSE} only). */
    private static final String ENFORCED_ATTRIBUTE = RefreshTokenRotationExecutor.class.getName() + ".enforced";

    private final KeycloakSession session;
    private final Set<String> realmsWarnedAboutRevokeRefreshToken;
    private RotationSettings settings = RotationSettings.DEFAULTS;
    private String configurationProblem;

    /**
     * @param realmsWarnedAboutRevokeRefreshToken realms already warned that their "Revoke Refresh Token" defeats the grace
     *                                            window, so the warning is logged once per realm and node, not per refresh
     */
    public RefreshTokenRotationExecutor(KeycloakSession session, Set<String> realmsWarnedAboutRevokeRefreshToken) {
        this.session = session;
        this.realmsWarnedAboutRevokeRefreshToken = realmsWarnedAboutRevokeRefreshToken;
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
    public void executeOnEvent(ClientPolicyContext context) {
        if (configurationProblem != null) {
            logger.warnf("Invalid configuration of executor %s (%s); applying the defaults",
                    RefreshTokenRotationExecutorFactory.PROVIDER_ID, configurationProblem);
        }
        switch (context.getEvent()) {
            case TOKEN_RESPONSE -> {
                cover();
                TokenResponseContext response = (TokenResponseContext) context;
                startFamilyOnOlderLines(response.getAccessTokenResponseBuilder().getRefreshToken(), response.getClientSessionContext());
            }
            case RESOURCE_OWNER_PASSWORD_CREDENTIALS_RESPONSE -> {
                cover();
                ResourceOwnerPasswordCredentialsResponseContext response = (ResourceOwnerPasswordCredentialsResponseContext) context;
                startFamilyOnOlderLines(response.getAccessTokenResponseBuilder().getRefreshToken(), response.getClientSessionContext());
            }
            case TOKEN_REFRESH -> coverRefresh();
            case TOKEN_REFRESH_RESPONSE -> {
                coverRefresh();
                enforceOnOlderLines((TokenRefreshResponseContext) context);
            }
            case TOKEN_INTROSPECT -> cover();
            case TOKEN_REVOKE -> new RefreshTokenRevocation(session, settings).beforeKeycloak((TokenRevokeContext) context);
            case TOKEN_REVOKE_RESPONSE -> new RefreshTokenRevocation(session, settings).afterKeycloak();
            default -> {
            }
        }
    }

    /**
     * Marks the request as covered, with these settings merged into those of any other policy that applied the executor to
     * it. {@link RefreshRotationPostProcessor} stamps or enforces once Keycloak has built the tokens.
     */
    private void cover() {
        CoveredRefresh earlier = session.getAttribute(CoveredRefresh.ATTRIBUTE, CoveredRefresh.class);
        session.setAttribute(CoveredRefresh.ATTRIBUTE, earlier == null ? new CoveredRefresh(settings) : earlier.merge(settings));
    }

    private void coverRefresh() {
        cover();
        RealmModel realm = session.getContext().getRealm();
        if (realm.isRevokeRefreshToken() && realmsWarnedAboutRevokeRefreshToken.add(realm.getId())) {
            logger.warnf("Realm %s: 'Revoke Refresh Token' is on, so Keycloak's own check refuses a previous refresh token"
                    + " before %s sees it and the grace window cannot take effect; turn it off for clients this executor covers",
                    realm.getName(), RefreshTokenRotationExecutorFactory.PROVIDER_ID);
        }
    }

    /**
     * Keycloak 26.4 and 26.5 ({@link RefreshHook#CLIENT_POLICY_RESPONSE}) run no post-processor: the login's refresh token
     * starts its family here, before Keycloak encodes it.
     */
    private void startFamilyOnOlderLines(RefreshToken issued, ClientSessionContext login) {
        if (RefreshHook.onThisServer() != RefreshHook.CLIENT_POLICY_RESPONSE) {
            return;
        }
        FamilyStart.start(session, login.getClientSession(), issued, session.getAttribute(CoveredRefresh.ATTRIBUTE, CoveredRefresh.class));
    }

    /**
     * Keycloak 26.4 and 26.5 ({@link RefreshHook#CLIENT_POLICY_RESPONSE}): the rule runs here, once per request. Keycloak
     * has verified the presented token and its session by now, and encodes the new refresh token only after this event.
     */
    private void enforceOnOlderLines(TokenRefreshResponseContext context) {
        if (RefreshHook.onThisServer() != RefreshHook.CLIENT_POLICY_RESPONSE || session.getAttribute(ENFORCED_ATTRIBUTE) != null) {
            // a post-processor enforces, or a second policy applied this executor to the same request
            return;
        }
        session.setAttribute(ENFORCED_ATTRIBUTE, Boolean.TRUE);
        RealmModel realm = session.getContext().getRealm();
        RefreshToken presented = session.tokens().decode(context.getParams().getFirst(OAuth2Constants.REFRESH_TOKEN), RefreshToken.class);
        if (presented == null) {
            throw new IllegalStateException("the refresh token Keycloak verified does not decode");
        }
        ClientModel client = session.clients().getClientByClientId(realm, presented.getIssuedFor());
        AuthenticatedClientSessionModel clientSession = client == null ? null
                : TokenFamilies.clientSessionOf(session, realm, client, presented.getSessionId(), TokenFamilies.isOffline(presented));
        if (clientSession == null) {
            throw new IllegalStateException("the client session Keycloak validated is gone");
        }
        RotationEnforcement.enforce(session, clientSession, presented, context.getAccessTokenResponseBuilder().getRefreshToken(),
                session.getAttribute(CoveredRefresh.ATTRIBUTE, CoveredRefresh.class));
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

        @JsonProperty(RefreshTokenRotationExecutorFactory.MAX_GRACE_SIBLINGS)
        protected Object maxGraceSiblings;

        RotationSettings toSettings() throws InvalidSettingException {
            return RotationSettings.parse(gracePeriodSeconds, reuseRevocationScope, includeOfflineTokens, maxGraceSiblings,
                    Set.copyOf(getConfigAsMap().keySet()));
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
