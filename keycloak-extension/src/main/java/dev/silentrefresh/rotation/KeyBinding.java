package dev.silentrefresh.rotation;

import org.keycloak.models.KeycloakSession;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.RefreshToken;
import org.keycloak.representations.dpop.DPoP;
import org.keycloak.services.util.DPoPUtil;

/**
 * Whether a refresh token is bound to a key ({@code cnf.jkt}, RFC 9449) and this request proved possession of that key with
 * a DPoP proof.
 *
 * <p>Keycloak 26.7.3 verifies the request's DPoP proof (signature, method, URL, age, replay) before the grant runs, and
 * refuses a key-bound refresh token without a proof by that key before any provider sees it. This only reads what Keycloak
 * recorded, so that bound-token retry stays off should a request ever reach the rule without it: a token without
 * {@code cnf.jkt}, or a request without Keycloak's verified DPoP proof by that very key, is not bound here. (The binding's
 * type, {@code jkt_type}, which 26.7 adds for client attestation, is not consulted: 26.4 and 26.5 do not have it, and a
 * verified proof of possession of the bound key is what the rule needs, whatever bound it.)
 */
final class KeyBinding {

    private KeyBinding() {
    }

    static boolean isProvenFor(KeycloakSession session, RefreshToken token) {
        AccessToken.Confirmation confirmation = token.getConfirmation();
        if (confirmation == null || confirmation.getKeyThumbprint() == null) {
            return false;
        }
        DPoP proof = session.getAttribute(DPoPUtil.DPOP_SESSION_ATTRIBUTE, DPoP.class);
        return proof != null && confirmation.getKeyThumbprint().equals(proof.getThumbprint());
    }
}
