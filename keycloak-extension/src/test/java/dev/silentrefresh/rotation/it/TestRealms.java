package dev.silentrefresh.rotation.it;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/** Realms and clients the tests add beside the imported {@code demo} realm. */
final class TestRealms {

    private TestRealms() {
    }

    /** A public client for the authorization-code flow with PKCE S256, like {@code demo-spa} but without the policy. */
    static ClientRepresentation publicClient(String clientId, String redirectUri) {
        ClientRepresentation client = new ClientRepresentation();
        client.setClientId(clientId);
        client.setEnabled(true);
        client.setPublicClient(true);
        client.setStandardFlowEnabled(true);
        client.setDirectAccessGrantsEnabled(false);
        client.setRedirectUris(List.of(redirectUri));
        client.setWebOrigins(List.of("http://localhost:8081"));
        client.setAttributes(new HashMap<>(Map.of("pkce.code.challenge.method", "S256")));
        return client;
    }

    /** A realm with one client and the user alice / alice. */
    static RealmRepresentation realmWithAlice(String name, ClientRepresentation client) {
        RealmRepresentation realm = new RealmRepresentation();
        realm.setRealm(name);
        realm.setEnabled(true);
        realm.setClients(List.of(client));
        UserRepresentation alice = new UserRepresentation();
        alice.setUsername("alice");
        alice.setEnabled(true);
        alice.setEmail("alice@example.org");
        alice.setFirstName("Alice");
        alice.setLastName("Liddell");
        CredentialRepresentation password = new CredentialRepresentation();
        password.setType(CredentialRepresentation.PASSWORD);
        password.setValue("alice");
        password.setTemporary(false);
        alice.setCredentials(List.of(password));
        realm.setUsers(List.of(alice));
        return realm;
    }
}
