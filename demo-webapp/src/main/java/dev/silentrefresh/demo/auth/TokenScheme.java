package dev.silentrefresh.demo.auth;

/**
 * The two ways this API accepts an access token in {@code Authorization}; each answers refusals with a challenge of its own.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-2.1">RFC 6750 §2.1: the Bearer scheme</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9449#section-7.1">RFC 9449 §7.1: the DPoP scheme</a>
 */
public enum TokenScheme {

    /** Whoever holds the token may use it. */
    BEARER("Bearer"),

    /** The token is bound to a key; every request carries a {@code DPoP} proof signed with it. */
    DPOP("DPoP");

    private final String challengeName;

    TokenScheme(String challengeName) {
        this.challengeName = challengeName;
    }

    /** The scheme's name as written in {@code Authorization} and {@code WWW-Authenticate}. */
    public String challengeName() {
        return this.challengeName;
    }
}
