package dev.silentrefresh.rotation;

import java.util.Arrays;
import java.util.Optional;

/** What a detected refresh-token reuse revokes, narrowest first. */
enum RevocationScope {

    /**
     * The replayed family only (RFC 9700's "active refresh token"): its newest token and its siblings die; other logins of
     * the same client in the same SSO session (another tab that logged in on its own, a second app instance) go on.
     */
    FAMILY("family", 'f'),

    /**
     * The client's session in that login: every refresh-token family of the client in the user session, as Keycloak's
     * built-in detection does.
     */
    CLIENT_SESSION("client-session", 'c'),

    /** The whole login: the SSO session and its offline session, so the user is logged out of every client. */
    USER_SESSION("user-session", 'u');

    private final String configValue;
    private final char noteCode;

    RevocationScope(String configValue, char noteCode) {
        this.configValue = configValue;
        this.noteCode = noteCode;
    }

    /** The value used in the executor configuration and in events. */
    String configValue() {
        return configValue;
    }

    /** One character for the compact family note. */
    char noteCode() {
        return noteCode;
    }

    static Optional<RevocationScope> fromConfigValue(String value) {
        return Arrays.stream(values()).filter(scope -> scope.configValue.equals(value)).findFirst();
    }

    static Optional<RevocationScope> fromNoteCode(char code) {
        return Arrays.stream(values()).filter(scope -> scope.noteCode == code).findFirst();
    }
}
