package dev.silentrefresh.rotation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;

import org.jboss.logging.Logger;
import org.keycloak.OAuth2Constants;
import org.keycloak.common.Profile;
import org.keycloak.component.ComponentModel;
import org.keycloak.component.JsonConfigComponentModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.idm.ClientPolicyConditionConfigurationRepresentation;
import org.keycloak.representations.idm.ClientPolicyConditionRepresentation;
import org.keycloak.representations.idm.ClientPolicyExecutorRepresentation;
import org.keycloak.representations.idm.ClientPolicyRepresentation;
import org.keycloak.representations.idm.ClientProfileRepresentation;
import org.keycloak.representations.idm.ClientProfilesRepresentation;
import org.keycloak.services.clientpolicy.ClientPolicyException;
import org.keycloak.services.clientpolicy.ClientPolicyVote;
import org.keycloak.services.clientpolicy.condition.ClientPolicyConditionProvider;
import org.keycloak.services.clientpolicy.context.TokenRefreshContext;
import org.keycloak.util.JsonSerialization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Whether the realm's client policies apply the executor to a client's refreshes, and with which settings: asked when a
 * grant issues a refresh token and no policy applied the executor to that grant's response (a policy conditioned on the
 * {@code refresh_token} grant type, token exchange, device code, CIBA). A token whose refreshes will be protected must
 * start a family when it is issued; left unstamped, it would share its client session with other unstamped tokens (a
 * second tab, a silent re-login, a second exchange), of which only the first refreshed can be adopted.
 *
 * <p>Policies are evaluated as Keycloak's client-policy manager evaluates them for a {@code TOKEN_REFRESH} of the client
 * asking for the token's scope: enabled policies only, every condition's vote (negative logic inverted), an abstaining
 * condition failing a {@code STRICT} policy and skipped otherwise, at least one condition voting yes.
 */
final class PolicyCoverage {

    private static final Logger logger = Logger.getLogger(PolicyCoverage.class);

    private PolicyCoverage() {
    }

    /** @return the settings a refresh of {@code client} would be enforced with, or {@code null} when no policy covers it */
    static RotationSettings settingsFor(KeycloakSession session, ClientModel client, String scope) {
        if (!Profile.isFeatureEnabled(Profile.Feature.CLIENT_POLICIES)) {
            return null;
        }
        RealmModel realm = session.getContext().getRealm();
        try {
            TokenRefreshContext refresh = new TokenRefreshContext(refreshParameters(), client, scope);
            List<ClientProfileRepresentation> profiles = profilesOf(session, realm);
            RotationSettings merged = null;
            for (ClientPolicyRepresentation policy : policiesOf(session, realm)) {
                if (Boolean.TRUE.equals(policy.isEnabled()) && applies(session, realm, policy, refresh)) {
                    merged = merge(merged, executorSettings(policy, profiles));
                }
            }
            return merged;
        } catch (ClientPolicyException | RuntimeException e) {
            // a refresh whose policy cannot be evaluated fails at refresh time too; this token simply starts no family now
            logger.warnf("Realm %s: could not evaluate the client policies for client %s (%s); its refresh token is not stamped",
                    realm.getName(), client.getClientId(), e.getClass().getSimpleName());
            return null;
        }
    }

    private static MultivaluedMap<String, String> refreshParameters() {
        MultivaluedMap<String, String> parameters = new MultivaluedHashMap<>();
        parameters.putSingle(OAuth2Constants.GRANT_TYPE, OAuth2Constants.REFRESH_TOKEN);
        return parameters;
    }

    private static List<ClientPolicyRepresentation> policiesOf(KeycloakSession session, RealmModel realm) throws ClientPolicyException {
        var representation = session.clientPolicy().getClientPolicies(realm, true);
        List<ClientPolicyRepresentation> policies = new ArrayList<>();
        if (representation.getGlobalPolicies() != null) {
            policies.addAll(representation.getGlobalPolicies());
        }
        if (representation.getPolicies() != null) {
            policies.addAll(representation.getPolicies());
        }
        return policies;
    }

    private static List<ClientProfileRepresentation> profilesOf(KeycloakSession session, RealmModel realm) throws ClientPolicyException {
        ClientProfilesRepresentation representation = session.clientPolicy().getClientProfiles(realm, true);
        List<ClientProfileRepresentation> profiles = new ArrayList<>();
        if (representation.getProfiles() != null) {
            profiles.addAll(representation.getProfiles());
        }
        if (representation.getGlobalProfiles() != null) {
            profiles.addAll(representation.getGlobalProfiles());
        }
        return profiles;
    }

    private static boolean applies(KeycloakSession session, RealmModel realm, ClientPolicyRepresentation policy,
                                   TokenRefreshContext refresh) throws ClientPolicyException {
        if (policy.getConditions() == null || policy.getConditions().isEmpty()) {
            return false;
        }
        boolean strict = "STRICT".equalsIgnoreCase(policy.getMode());
        boolean yes = false;
        for (ClientPolicyConditionRepresentation conditionRep : policy.getConditions()) {
            ClientPolicyConditionProvider<?> condition = conditionOf(session, realm, conditionRep);
            ClientPolicyVote vote = condition.applyPolicy(refresh);
            if (condition.isNegativeLogic() && vote != ClientPolicyVote.ABSTAIN) {
                vote = vote == ClientPolicyVote.YES ? ClientPolicyVote.NO : ClientPolicyVote.YES;
            }
            if (vote == ClientPolicyVote.NO || (vote == ClientPolicyVote.ABSTAIN && strict)) {
                return false;
            }
            yes |= vote == ClientPolicyVote.YES;
        }
        return yes;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ClientPolicyConditionProvider<?> conditionOf(KeycloakSession session, RealmModel realm,
                                                               ClientPolicyConditionRepresentation representation) {
        JsonNode configuration = representation.getConfiguration() != null
                ? representation.getConfiguration()
                : JsonNodeFactory.instance.objectNode();
        ComponentModel model = new JsonConfigComponentModel(ClientPolicyConditionProvider.class, realm.getId(),
                representation.getConditionProviderId(), configuration);
        ClientPolicyConditionProvider condition = session.getComponentProvider(ClientPolicyConditionProvider.class, model.getId(),
                factory -> model);
        Objects.requireNonNull(condition, () -> "no condition provider " + representation.getConditionProviderId());
        condition.setupConfiguration((ClientPolicyConditionConfigurationRepresentation) JsonSerialization.mapper.convertValue(
                configuration, condition.getConditionConfigurationClass()));
        return condition;
    }

    /** The settings of every executor of this kind in the policy's profiles, merged; {@code null} when there is none. */
    private static RotationSettings executorSettings(ClientPolicyRepresentation policy, List<ClientProfileRepresentation> profiles) {
        RotationSettings merged = null;
        for (String name : policy.getProfiles() == null ? List.<String>of() : policy.getProfiles()) {
            for (ClientProfileRepresentation profile : profiles) {
                if (!name.equals(profile.getName()) || profile.getExecutors() == null) {
                    continue;
                }
                for (ClientPolicyExecutorRepresentation executor : profile.getExecutors()) {
                    if (RefreshTokenRotationExecutorFactory.PROVIDER_ID.equals(executor.getExecutorProviderId())) {
                        merged = merge(merged, settingsOf(executor));
                    }
                }
            }
        }
        return merged;
    }

    private static RotationSettings settingsOf(ClientPolicyExecutorRepresentation executor) {
        RefreshTokenRotationExecutor.Configuration configuration = executor.getConfiguration() == null
                ? new RefreshTokenRotationExecutor.Configuration()
                : JsonSerialization.mapper.convertValue(executor.getConfiguration(), RefreshTokenRotationExecutor.Configuration.class);
        try {
            return configuration.toSettings();
        } catch (InvalidSettingException e) {
            // as the executor itself does for a hand-edited realm import
            return RotationSettings.DEFAULTS;
        }
    }

    private static RotationSettings merge(RotationSettings merged, RotationSettings next) {
        if (next == null) {
            return merged;
        }
        return merged == null ? next : merged.merge(next);
    }
}
