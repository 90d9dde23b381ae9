package dev.silentrefresh.rotation;

import java.util.List;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProviderFactory;

/**
 * Registers the {@code refresh-token-rotation} client-policy executor: single-use refresh tokens, reuse detection
 * that revokes the token family (RFC 9700 §4.14.2) and a grace window for honest races.
 */
public class RefreshTokenRotationExecutorFactory implements ClientPolicyExecutorProviderFactory {

    public static final String PROVIDER_ID = "refresh-token-rotation";

    public static final String GRACE_PERIOD_SECONDS = "grace-period-seconds";
    public static final String REUSE_REVOCATION_SCOPE = "reuse-revocation-scope";
    public static final String INCLUDE_OFFLINE_TOKENS = "include-offline-tokens";

    private static final List<ProviderConfigProperty> CONFIG_PROPERTIES = ProviderConfigurationBuilder.create()
            .property()
                .name(GRACE_PERIOD_SECONDS)
                .label("Grace period (seconds)")
                .helpText("How long after a rotation the immediately previous refresh token is still accepted, for two tabs"
                        + " refreshing at once or a response lost on the way. It then receives a sibling of the newest token,"
                        + " so the family stays one chain. Older tokens, and the previous one after the window, count as reuse."
                        + " 0 turns the window off; at most " + RotationSettings.MAX_GRACE_PERIOD_SECONDS + ".")
                .type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(0)
                .add()
            .property()
                .name(REUSE_REVOCATION_SCOPE)
                .label("Revoke on reuse")
                .helpText("What a replayed refresh token revokes. client-session: this client's session in that login,"
                        + " i.e. the token family and its siblings. user-session: the whole SSO session, all clients.")
                .type(ProviderConfigProperty.LIST_TYPE)
                .options(RevocationScope.CLIENT_SESSION.configValue(), RevocationScope.USER_SESSION.configValue())
                .defaultValue(RevocationScope.CLIENT_SESSION.configValue())
                .add()
            .property()
                .name(INCLUDE_OFFLINE_TOKENS)
                .label("Include offline tokens")
                .helpText("Rotate and protect offline tokens (scope offline_access) the same way. When off, offline"
                        + " tokens keep Keycloak's stock behaviour.")
                .type(ProviderConfigProperty.BOOLEAN_TYPE)
                .defaultValue(true)
                .add()
            .build();

    @Override
    public RefreshTokenRotationExecutor create(KeycloakSession session) {
        return new RefreshTokenRotationExecutor(session);
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getHelpText() {
        return "Makes refresh tokens single-use: every refresh returns a new one, and presenting a used one revokes the"
                + " token family. Keep the realm's 'Revoke Refresh Token' off for the clients it covers.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG_PROPERTIES;
    }
}
