package dev.silentrefresh.rotation;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
    public static final String MAX_GRACE_SIBLINGS = "max-grace-siblings";

    private static final List<ProviderConfigProperty> CONFIG_PROPERTIES = ProviderConfigurationBuilder.create()
            .property()
                .name(GRACE_PERIOD_SECONDS)
                .label("Grace period (seconds)")
                .helpText("How long after a rotation the one refresh token that rotation consumed may come back, for a"
                        + " response lost on the way or two requests racing. It then receives a sibling of the newest token,"
                        + " so the family stays one chain; once either sibling is used, the other is reuse. Every other token,"
                        + " and the consumed one after the window, counts as reuse. The window must cover a client's request"
                        + " timeout plus its first retry. 0 turns it off; at most " + RotationSettings.MAX_GRACE_PERIOD_SECONDS + "."
                        + " Nodes of a cluster compare their clocks here: keep them within a second of each other (NTP).")
                .type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue((int) RotationSettings.DEFAULTS.gracePeriod().toSeconds())
                .add()
            .property()
                .name(MAX_GRACE_SIBLINGS)
                .label("Siblings per consumed token")
                .helpText("How many siblings the token a rotation consumed may receive in all, inside the grace window or while"
                        + " its rotation is still being stored (each is another access token for whoever holds it). One more"
                        + " presentation counts as reuse. Covers a client's retries and a double submit; 1 to "
                        + RotationSettings.MAX_MAX_GRACE_SIBLINGS + ".")
                .type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(RotationSettings.DEFAULTS.maxGraceSiblings())
                .add()
            .property()
                .name(REUSE_REVOCATION_SCOPE)
                .label("Revoke on reuse")
                .helpText("What a replayed refresh token revokes. family: only that token family (one login of the client);"
                        + " the client's other logins in the same SSO session go on. client-session: every family of the client"
                        + " in that SSO session, as Keycloak's built-in detection does. user-session: the whole login, online"
                        + " and offline, for every client.")
                .type(ProviderConfigProperty.LIST_TYPE)
                .options(RevocationScope.FAMILY.configValue(), RevocationScope.CLIENT_SESSION.configValue(),
                        RevocationScope.USER_SESSION.configValue())
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

    /** Realms already warned that their own "Revoke Refresh Token" defeats the grace window (logging only). */
    private final Set<String> realmsWarnedAboutRevokeRefreshToken = ConcurrentHashMap.newKeySet();

    @Override
    public RefreshTokenRotationExecutor create(KeycloakSession session) {
        return new RefreshTokenRotationExecutor(session, realmsWarnedAboutRevokeRefreshToken);
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
