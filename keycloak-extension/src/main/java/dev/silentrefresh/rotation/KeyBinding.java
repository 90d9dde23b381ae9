package dev.silentrefresh.rotation;

import org.keycloak.models.KeycloakSession;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.RefreshToken;
import org.keycloak.representations.dpop.DPoP;
import org.keycloak.services.util.DPoPUtil;

/**
 * Whether a refresh token is bound to a DPoP key (RFC 9449, {@code cnf.jkt}) and this request proved possession of it.
 *
 * <p>Keycloak 26.7.3 verifies the request's DPoP proof (signature, method, URL, age, replay) before the grant runs, and
 * refuses a key-bound refresh token without a proof by that key before any provider sees it. This only reads what Keycloak
 * recorded, so that bound-token retry stays off should a request ever reach the rule without it: a token that is not
 * DPoP-bound, or a request without Keycloak's verified proof of the same key, is not bound here.
 */
final class KeyBinding {

    private KeyBinding() {
    }

    static boolean isProvenFor(KeycloakSession session, RefreshToken token) {
        AccessToken.Confirmation confirmation = token.getConfirmation();
        if (confirmation == null || confirmation.getKeyThumbprint() == null) {
            return false;
        }
        // a key bound another way (client attestation) is not a DPoP key
        if (confirmation.getJktType() != null && !DPoPUtil.DPOP_JKT_TYPE.equals(confirmation.getJktType())) {
            return false;
        }
        DPoP proof = session.getAttribute(DPoPUtil.DPOP_SESSION_ATTRIBUTE, DPoP.class);
        return proof != null && confirmation.getKeyThumbprint().equals(proof.getThumbprint());
    }
}
