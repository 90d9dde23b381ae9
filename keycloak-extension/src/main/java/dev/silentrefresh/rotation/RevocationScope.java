package dev.silentrefresh.rotation;

import java.util.Arrays;
import java.util.Optional;

/** What a detected refresh-token reuse revokes. */
enum RevocationScope {

    /**
     * The client's session in that login: every refresh-token family of the client in the user session (the stolen
     * family and its siblings, e.g. other tabs of the same login), as Keycloak's built-in detection does.
     */
    CLIENT_SESSION("client-session"),

    /** The whole SSO session: the user is logged out of every client of that login. */
    USER_SESSION("user-session");

    private final String configValue;

    RevocationScope(String configValue) {
        this.configValue = configValue;
    }

    /** The value used in the executor configuration and in events. */
    String configValue() {
        return configValue;
    }

    static Optional<RevocationScope> fromConfigValue(String value) {
        return Arrays.stream(values()).filter(scope -> scope.configValue.equals(value)).findFirst();
    }
}
