package dev.silentrefresh.rotation.it;

import java.util.List;

import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientPolicyExecutorRepresentation;
import org.keycloak.representations.idm.ClientProfileRepresentation;
import org.keycloak.representations.idm.ClientProfilesRepresentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The client profile {@code refresh-token-rotation} of {@code realm-export.json}, rewritten through the admin REST API
 * the way an admin changes it in the Admin Console.
 */
final class RotationProfile {

    static final String NAME = "refresh-token-rotation";
    static final String EXECUTOR = "refresh-token-rotation";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RotationProfile() {
    }

    /** Sets three of the executor's properties, as the Admin Console stores them (strings); the others keep their defaults. */
    static void configure(RealmResource realm, int graceSeconds, String scope, boolean includeOffline) {
        realm.clientPoliciesProfilesResource().updateProfiles(withConfiguration(configuration(graceSeconds, scope, includeOffline)));
    }

    /** As {@link #configure(RealmResource, int, String, boolean)}, with {@code max-grace-siblings} too. */
    static void configure(RealmResource realm, int graceSeconds, String scope, boolean includeOffline, int maxGraceSiblings) {
        realm.clientPoliciesProfilesResource().updateProfiles(withConfiguration(configuration(graceSeconds, scope, includeOffline)
                .put("max-grace-siblings", Integer.toString(maxGraceSiblings))));
    }

    static ObjectNode configuration(int graceSeconds, String scope, boolean includeOffline) {
        return JSON.createObjectNode()
                .put("grace-period-seconds", Integer.toString(graceSeconds))
                .put("reuse-revocation-scope", scope)
                .put("include-offline-tokens", Boolean.toString(includeOffline));
    }

    /** The realm's profiles: this one profile with the executor configured as given, verbatim. */
    static ClientProfilesRepresentation withConfiguration(JsonNode configuration) {
        ClientProfilesRepresentation profiles = new ClientProfilesRepresentation();
        profiles.setProfiles(List.of(profile(NAME, configuration)));
        return profiles;
    }

    /** A profile of its own name holding the executor configured as given. */
    static ClientProfileRepresentation profile(String name, JsonNode configuration) {
        ClientPolicyExecutorRepresentation executor = new ClientPolicyExecutorRepresentation();
        executor.setExecutorProviderId(EXECUTOR);
        executor.setConfiguration(configuration);
        ClientProfileRepresentation profile = new ClientProfileRepresentation();
        profile.setName(name);
        profile.setDescription("Refresh-token rotation under test");
        profile.setExecutors(List.of(executor));
        return profile;
    }
}
