package dev.silentrefresh.rotation.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientPoliciesRepresentation;
import org.keycloak.representations.idm.ClientPolicyConditionRepresentation;
import org.keycloak.representations.idm.ClientPolicyRepresentation;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserSessionRepresentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What the scenarios do to the imported {@code demo} realm through the admin REST API, the way an admin would in the
 * Admin Console: the executor's configuration, the policy's conditions, clients, and reading back events and sessions.
 */
final class DemoRealmAdmin {

    static final String REUSED = "refresh_token_reused";
    static final String ROTATION_ATTRIBUTE = "refresh-token-rotation";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RealmResource realm;

    DemoRealmAdmin(RealmResource realm) {
        this.realm = realm;
    }

    RealmResource realm() {
        return realm;
    }

    /** Three of the executor's properties, as the Admin Console stores them; the others keep their defaults. */
    void configureRotation(int graceSeconds, String scope, boolean includeOffline) {
        RotationProfile.configure(realm, graceSeconds, scope, includeOffline);
    }

    /** The executor's properties with {@code max-grace-siblings} too. */
    void configureRotation(int graceSeconds, String scope, boolean includeOffline, int maxGraceSiblings) {
        RotationProfile.configure(realm, graceSeconds, scope, includeOffline, maxGraceSiblings);
    }

    void setRealmRevokeRefreshToken(boolean revoke) {
        RealmRepresentation settings = realm.toRepresentation();
        if (!Boolean.valueOf(revoke).equals(settings.getRevokeRefreshToken())) {
            settings.setRevokeRefreshToken(revoke);
            realm.update(settings);
        }
    }

    /** A copy of the realm's policies, to restore after a test changed them. */
    ClientPoliciesRepresentation policies() {
        ClientPoliciesRepresentation policies = realm.clientPoliciesPoliciesResource().getPolicies(false);
        return JSON.convertValue(JSON.valueToTree(policies), ClientPoliciesRepresentation.class);
    }

    void restorePolicies(ClientPoliciesRepresentation policies) {
        realm.clientPoliciesPoliciesResource().updatePolicies(policies);
    }

    /** Replaces the conditions of the realm's one policy (the one applying the rotation profile) by a single condition. */
    void usePolicyCondition(String conditionProviderId, JsonNode configuration) {
        ClientPoliciesRepresentation policies = policies();
        ClientPolicyRepresentation policy = policies.getPolicies().get(0);
        ClientPolicyConditionRepresentation condition = new ClientPolicyConditionRepresentation();
        condition.setConditionProviderId(conditionProviderId);
        condition.setConfiguration(configuration);
        policy.setConditions(List.of(condition));
        realm.clientPoliciesPoliciesResource().updatePolicies(policies);
    }

    void addProfileToPolicy(String profileName) {
        ClientPoliciesRepresentation policies = policies();
        List<String> profiles = new ArrayList<>(policies.getPolicies().get(0).getProfiles());
        profiles.add(profileName);
        policies.getPolicies().get(0).setProfiles(profiles);
        realm.clientPoliciesPoliciesResource().updatePolicies(policies);
    }

    void ensurePublicClient(String clientId, String redirectUri) {
        if (realm.clients().findByClientId(clientId).isEmpty()) {
            realm.clients().create(TestRealms.publicClient(clientId, redirectUri)).close();
        }
    }

    /** Sets or (with {@code null}) clears a client attribute, e.g. the one the demo policy's condition looks for. */
    void setClientAttribute(String clientId, String name, String value) {
        ClientRepresentation client = realm.clients().findByClientId(clientId).get(0);
        client.getAttributes().put(name, value == null ? "" : value);
        realm.clients().get(client.getId()).update(client);
    }

    String clientUuid(String clientId) {
        return realm.clients().findByClientId(clientId).get(0).getId();
    }

    String userId(String username) {
        return realm.users().searchByUsername(username, true).get(0).getId();
    }

    List<String> sessionIdsOf(String username) {
        return realm.users().get(userId(username)).getUserSessions().stream().map(UserSessionRepresentation::getId).toList();
    }

    List<String> offlineSessionIdsOf(String username, String clientId) {
        return realm.users().get(userId(username)).getOfflineSessions(clientUuid(clientId)).stream()
                .map(UserSessionRepresentation::getId).toList();
    }

    /** The client ids with a session in the given user session. */
    List<String> clientsOfSession(String username, String sessionId) {
        return realm.users().get(userId(username)).getUserSessions().stream()
                .filter(s -> s.getId().equals(sessionId))
                .flatMap(s -> s.getClients().values().stream())
                .toList();
    }

    List<EventRepresentation> refreshErrors() {
        return realm.getEvents(List.of("REFRESH_TOKEN_ERROR"), null, null, null, null, null, 0, 1000);
    }

    List<EventRepresentation> reuseEvents() {
        return refreshErrors().stream().filter(e -> REUSED.equals(e.getError())).toList();
    }

    static String describe(List<EventRepresentation> events) {
        return events.stream().map(e -> e.getType() + "/" + e.getError() + e.getDetails()).toList().toString();
    }

    static JsonNode json(Map<String, ?> values) {
        return JSON.valueToTree(values);
    }
}
