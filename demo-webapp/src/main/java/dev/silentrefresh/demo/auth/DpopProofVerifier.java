package dev.silentrefresh.demo.auth;

import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.AccessTokenValidationException;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProtectedResourceRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPProofException;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the {@code DPoP} proof of a request made with a DPoP-bound access token (RFC 9449 §4.3 and §7.1), with the
 * verifier of Connect2id's OAuth SDK, which is built on the same Nimbus JOSE+JWT as the token checks.
 *
 * <p>The proof is a JWT with {@code typ: dpop+jwt}, signed with an asymmetric algorithm from the allow-list by the
 * private key of the public {@code jwk} in its header; its {@code htm} is the request method, its {@code htu} the request
 * URI without query and fragment, its {@code iat} within the last {@code maxAge} (and no more than {@code clockSkew} ahead),
 * its {@code jti} unseen (see {@link DpopReplayCache}), its {@code ath} the SHA-256 of the access token, and the JWK SHA-256
 * thumbprint (RFC 7638) of its key equals the token's {@code cnf.jkt}. The access token itself must already be verified: a
 * proof is only looked at for a token Keycloak signed, so a stranger cannot fill the replay cache.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9449">RFC 9449: OAuth 2.0 Demonstrating Proof of Possession (DPoP)</a>
 */
public final class DpopProofVerifier {

    static final String PROOF_INVALID = "The DPoP proof is invalid";
    static final String PROOF_NOT_FOR_TOKEN = "The DPoP proof does not match the access token";

    private static final Logger LOG = LoggerFactory.getLogger(DpopProofVerifier.class);
    private static final int MAX_LOGGED_REASON_LENGTH = 200;

    private final Set<JWSAlgorithm> algorithms;
    private final DPoPProtectedResourceRequestVerifier verifier;

    /**
     * @param algorithms  the proof signature algorithms to accept (asymmetric only)
     * @param maxAge      how old a proof's {@code iat} may be
     * @param clockSkew   how far in the future a proof's {@code iat} may be
     * @param replayCache remembers the proofs seen
     */
    public DpopProofVerifier(Set<JWSAlgorithm> algorithms, Duration maxAge, Duration clockSkew, DpopReplayCache replayCache) {
        this.algorithms = Set.copyOf(Objects.requireNonNull(algorithms, "algorithms cannot be null"));
        this.verifier = new DPoPProtectedResourceRequestVerifier(this.algorithms, clockSkew.toSeconds(), maxAge.toSeconds(),
                Objects.requireNonNull(replayCache, "replayCache cannot be null"));
    }

    /** The algorithms a proof may be signed with, for the {@code algs} of the {@code DPoP} challenge. */
    public Set<JWSAlgorithm> algorithms() {
        return this.algorithms;
    }

    /**
     * @param method      the request method
     * @param uri         the request URI as the client addressed it, without query and fragment
     * @param proof       the {@code DPoP} header, a compact JWS
     * @param accessToken the verified access token the proof comes with
     * @param thumbprint  the access token's {@code cnf.jkt}
     * @throws BearerTokenException {@code invalid_dpop_proof} with the {@code DPoP} scheme when the proof does not hold
     */
    public void verify(String method, URI uri, String proof, String accessToken, String thumbprint) throws BearerTokenException {
        try {
            this.verifier.verify(method, uri, new DPoPIssuer(thumbprint), SignedJWT.parse(proof), new DPoPAccessToken(accessToken),
                    new JWKThumbprintConfirmation(new Base64URL(thumbprint)));
        } catch (AccessTokenValidationException ex) {
            LOG.debug("refused a DPoP proof that belongs to another token or key");
            throw new BearerTokenException(BearerTokenError.invalidDpopProof(PROOF_NOT_FOR_TOKEN), TokenScheme.DPOP);
        } catch (ParseException | InvalidDPoPProofException | JOSEException ex) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("refused a DPoP proof: {}", loggable(ex.getMessage()));
            }
            throw new BearerTokenException(BearerTokenError.invalidDpopProof(PROOF_INVALID), TokenScheme.DPOP);
        }
    }

    // Nimbus' reasons name claims and may quote claim values (never a token); keep them one short line
    private static String loggable(String reason) {
        String line = String.valueOf(reason).replaceAll("\\p{Cntrl}", " ");
        return line.length() > MAX_LOGGED_REASON_LENGTH ? line.substring(0, MAX_LOGGED_REASON_LENGTH) + "..." : line;
    }
}
