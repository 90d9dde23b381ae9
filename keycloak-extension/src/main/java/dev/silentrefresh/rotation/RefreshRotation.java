package dev.silentrefresh.rotation;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.keycloak.OAuthErrorException;
import org.keycloak.common.util.Time;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.representations.RefreshToken;
import org.keycloak.services.CorsErrorResponseException;
import org.keycloak.services.cors.Cors;

/**
 * One refresh under the rotation rule, after Keycloak has verified the presented token (signature, type, issuer, expiry,
 * client, binding) and validated its session: decide, take the generation's claim if the family moves, then issue
 * (stamp the new token, record the family) or refuse (revoke per scope, or refuse alone).
 *
 * <p>Everything it writes to the client session rides on the request's own transaction, in the same write as Keycloak's
 * own bookkeeping of the refresh; a refusal rolls that transaction back.
 */
final class RefreshRotation {

    /** Event error for a token of a revoked or no longer tracked family: refused, but not evidence of theft. */
    static final String INACTIVE_FAMILY_ERROR = "refresh_token_family_inactive";
    /** Event detail of a sibling issued for the consumed token: its number, from 1 to {@code max-grace-siblings}. */
    static final String GRACE_SIBLING_DETAIL = "refresh_token_grace_sibling";
    static final String MAX_GRACE_SIBLINGS_DETAIL = "max_grace_siblings";

    private static final Logger logger = Logger.getLogger(RefreshRotation.class);

    private final KeycloakSession session;
    private final AuthenticatedClientSessionModel clientSession;
    private final RefreshToken presented;
    private final RotationSettings settings;
    private final String family;
    private final PresentedToken asPresented;
    /** The family's notes as the request found them, to decide on and to put back after a rollback. */
    private final Map<String, String> notesBefore;
    private final boolean adoption;
    /** The family a reuse revokes: this one, or the one that won the adoption this request lost. */
    private String revocationTarget;

    private RefreshRotation(KeycloakSession session, AuthenticatedClientSessionModel clientSession, RefreshToken presented,
                            RotationSettings settings, String family, PresentedToken asPresented, boolean adoption) {
        this.session = session;
        this.clientSession = clientSession;
        this.presented = presented;
        this.settings = settings;
        this.family = family;
        this.asPresented = asPresented;
        this.adoption = adoption;
        this.notesBefore = TokenFamilies.snapshot(clientSession, family);
        this.revocationTarget = family;
    }

    /**
     * @param covered the executor's mark, or {@code null} when no policy applied the executor to this request (then only
     *                a family it started before is enforced, with the settings recorded in the family)
     * @return the rotation to enforce, or {@code null} when the token is none of the executor's business
     */
    static RefreshRotation of(KeycloakSession session, AuthenticatedClientSessionModel clientSession, RefreshToken presented,
                              CoveredRefresh covered) {
        PresentedToken token = TokenFamilies.presented(presented);
        boolean coveredNow = covered != null && covered.covers(presented);
        if (token.isStamped()) {
            // a family the executor started stays enforced whatever the settings have become since: fail closed
            RotationSettings settings = coveredNow ? covered.settings() : recordedSettingsOf(clientSession, token.family());
            return new RefreshRotation(session, clientSession, presented, settings, token.family(), token, false);
        }
        if (!coveredNow) {
            return null;
        }
        String adopted = TokenFamilies.adoptedFamily(clientSession);
        if (adopted == null) {
            return new RefreshRotation(session, clientSession, presented, covered.settings(), adoptedFamilyOf(presented), token, true);
        }
        // an unstamped token after the adoption is an older token of the adopted chain: generation 0 of that family
        return new RefreshRotation(session, clientSession, presented, covered.settings(), adopted,
                new PresentedToken(adopted, 0, presented.getId()), false);
    }

    /**
     * The family an unstamped token is adopted into, derived from the token itself: two requests racing with the same token
     * at the moment of adoption name the same family, so the second can be given a sibling in it.
     */
    private static String adoptedFamilyOf(RefreshToken token) {
        return UUID.nameUUIDFromBytes(("adopted:" + token.getId()).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static RotationSettings recordedSettingsOf(AuthenticatedClientSessionModel clientSession, String family) {
        FamilyState state = TokenFamilies.read(clientSession, family);
        return state != null ? state.recordedSettings() : RotationSettings.DEFAULTS;
    }

    /** The family the token is enforced in: its own, or for a token never stamped the family that adopts (or adopted) it. */
    String family() {
        return family;
    }

    /**
     * Whether a refresh with this token would be honoured now (rotate, grace or adopt), read without changing anything:
     * what introspection answers. A claim in flight is not consulted; until its rotation commits, the family's state says
     * what a refresh would find once it has.
     */
    boolean wouldBeHonoured() {
        if (RevocationMarks.isRevoked(session, presented, family, clientSession)) {
            return false;
        }
        RotationDecision decision = decide(TokenFamilies.stateOf(clientSession, family, TokenFamilies.valueOf(notesBefore)));
        return switch (decision.verdict()) {
            case ROTATE, ADOPT -> true;
            // a consumed token whose siblings are all issued is reuse at the token endpoint
            case GRACE -> !siblingsOf(decision).usedUp();
            case REUSE, REFUSE -> false;
        };
    }

    /** @param issued the refresh token Keycloak is about to return, or {@code null} if it returns none */
    void enforce(RefreshToken issued) {
        // revoked for reuse: refused, even if the session store still (or again) shows the session
        if (RevocationMarks.isRevoked(session, presented, family, clientSession)) {
            refuseInactive();
        }
        RotationDecision decision = decide(TokenFamilies.stateOf(clientSession, family, TokenFamilies.valueOf(notesBefore)));
        if (decision.advancesFamily() && issued != null) {
            decision = claim(decision);
        }
        switch (decision.verdict()) {
            case ROTATE, ADOPT -> advance(decision, issued);
            case GRACE -> issueSibling(decision, issued);
            case REUSE -> refuseReuse(null);
            case REFUSE -> refuseInactive();
        }
    }

    private RotationDecision decide(FamilyState state) {
        return new RotationDecider(settings.gracePeriod()).decide(state, asPresented, Time.currentTimeMillis());
    }

    /**
     * Takes the claim on moving the family on. If a request with the same token got there first (a retry, a double
     * submit), this one is that token coming back at the moment of its rotation: a sibling inside the grace window. If a
     * request with another token of the same generation got there first, the generation has two holders: reuse, of the
     * family that request is moving on (for an adoption, the family it adopts, not this token's).
     */
    private RotationDecision claim(RotationDecision decision) {
        GenerationClaim claim = adoption
                ? GenerationClaim.of(session, adoptionClaimName(), presented.getId(), family)
                : GenerationClaim.of(session, family, asPresented.generation(), presented.getId());
        GenerationClaim.Taken taken = claim.take();
        return switch (taken.outcome()) {
            case TAKEN -> {
                claim.onCompletion(session, this::revokeAgainIfReusedMeanwhile, this::restoreNotes);
                yield decision;
            }
            case SAME_TOKEN_FIRST -> settings.gracePeriod().isZero()
                    ? RotationDecision.reuse()
                    : RotationDecision.grace(decision.issueGeneration());
            case OTHER_TOKEN_FIRST -> {
                revocationTarget = taken.holderFamily();
                yield RotationDecision.reuse();
            }
        };
    }

    /**
     * Adoptions contend per client session (at most one adopted chain each), not per family: the login, the client, online
     * or offline (two client sessions of one login), and the client session's start, so that a client session created
     * after a revocation under the same login is not taken for the revoked one.
     */
    private String adoptionClaimName() {
        return "adopt:" + presented.getSessionId() + ":" + clientSession.getClient().getId() + ":"
                + (TokenFamilies.isOffline(presented) ? "offline" : "online") + ":" + clientSession.getStarted();
    }

    private void advance(RotationDecision decision, RefreshToken issued) {
        if (issued == null) {
            // Keycloak returns no refresh token (another executor removed it): the presented one stays in use
            return;
        }
        TokenFamilies.stamp(issued, family, decision.issueGeneration());
        TokenFamilies.write(clientSession, family, FamilyState.issued(decision.issueGeneration(), Time.currentTimeMillis(),
                TokenFamilies.expiryOf(issued), presented.getId(), settings));
        if (adoption) {
            TokenFamilies.markAdopted(clientSession, family);
        }
        TokenFamilies.ensureClientSessionId(clientSession);
        logger.tracef("Refresh token family %s moved on to generation %d", family, decision.issueGeneration());
    }

    /**
     * A sibling for the consumed token, within {@code max-grace-siblings}: counted cluster-wide, recorded as an event of its
     * own (beside Keycloak's event of the refresh) and logged. One more is reuse.
     */
    private void issueSibling(RotationDecision decision, RefreshToken issued) {
        int max = settings.maxGraceSiblings();
        int sibling = siblingsOf(decision).take();
        if (sibling == 0) {
            refuseReuse("the consumed refresh token came back after " + max + " siblings (max-grace-siblings)");
        }
        if (issued != null) {
            TokenFamilies.stamp(issued, family, decision.issueGeneration());
        }
        ClientModel client = clientSession.getClient();
        eventOf(EventType.REFRESH_TOKEN)
                .detail(GRACE_SIBLING_DETAIL, Integer.toString(sibling))
                .detail(MAX_GRACE_SIBLINGS_DETAIL, Integer.toString(max))
                .success();
        logger.infof("Refresh token family %s: grace sibling %d of %d issued for the consumed token_id=%s (realm %s, client=%s, user=%s,"
                        + " session=%s)", family, sibling, max, presented.getId(), session.getContext().getRealm().getName(),
                client.getClientId(), presented.getSubject(), presented.getSessionId());
    }

    private SiblingAllowance siblingsOf(RotationDecision grace) {
        long lifespan = settings.gracePeriod().toSeconds() + GenerationClaim.LIFESPAN_SECONDS;
        return new SiblingAllowance(session.singleUseObjects(), family, grace.issueGeneration(), settings.maxGraceSiblings(), lifespan);
    }

    /** @param reason why this is reuse when it is not the plain case, or {@code null} */
    private void refuseReuse(String reason) {
        new FamilyRevocation(session).revoke(clientSession.getClient(), presented, revocationTarget, clientSession,
                settings.revocationScope(), reason);
        session.getTransactionManager().setRollbackOnly();
        String revoked = settings.revocationScope() == RevocationScope.FAMILY ? "the token family" : "the session";
        throw invalidGrant("Refresh token reuse detected; " + revoked + " has been revoked");
    }

    private void refuseInactive() {
        session.getTransactionManager().setRollbackOnly();
        eventOf(EventType.REFRESH_TOKEN).error(INACTIVE_FAMILY_ERROR);
        throw invalidGrant("Refresh token family is no longer active");
    }

    /** An event of this request's token and family, besides the one Keycloak records for the request itself. */
    private EventBuilder eventOf(EventType type) {
        RealmModel realm = session.getContext().getRealm();
        return new EventBuilder(realm, session, session.getContext().getConnection())
                .event(type)
                .client(clientSession.getClient())
                .user(presented.getSubject())
                .session(presented.getSessionId())
                .detail(FamilyRevocation.FAMILY_DETAIL, family)
                .detail(Details.REFRESH_TOKEN_ID, presented.getId())
                .detail(Details.REFRESH_TOKEN_TYPE, presented.getType());
    }

    private CorsErrorResponseException invalidGrant(String description) {
        // the token endpoint's CORS headers, so a browser app can read why
        return new CorsErrorResponseException(session.getProvider(Cors.class), OAuthErrorException.INVALID_GRANT, description,
                Response.Status.BAD_REQUEST);
    }

    /** A replay of this family detected while this rotation was committing: its revocation must outlast this commit. */
    private void revokeAgainIfReusedMeanwhile() {
        try {
            new FamilyRevocation(session).revokeAgainAfterCommit(clientSession.getClient(), presented, family, clientSession,
                    settings.revocationScope());
        } catch (RuntimeException e) {
            logger.warnf("Family %s was reused while it rotated, and revoking it again after the rotation failed (%s)", family,
                    e.getClass().getSimpleName());
        }
    }

    /**
     * Puts this request's note changes back after its transaction rolled back. Keycloak applies a session change to the
     * cached entity before commit and does not undo it on rollback, so without this a rotation that never committed would
     * still count as done, and the client's retry with the same token would look like reuse (keycloak#49213).
     */
    private void restoreNotes() {
        KeycloakContext request = session.getContext();
        ClientModel client = clientSession.getClient();
        boolean offline = TokenFamilies.isOffline(presented);
        try {
            KeycloakModelUtils.runJobInTransaction(session.getKeycloakSessionFactory(), request, restoring -> {
                AuthenticatedClientSessionModel current = TokenFamilies.clientSessionOf(restoring, restoring.getContext().getRealm(),
                        client, presented.getSessionId(), offline);
                if (current != null) {
                    TokenFamilies.restore(current, notesBefore);
                    if (adoption) {
                        TokenFamilies.restoreNote(current, TokenFamilies.adoptedNoteKey(current), null);
                    }
                }
            });
        } catch (RuntimeException e) {
            // the cached entity is already put back when the write fails; the database never had the change
            logger.debugf("Writing back the note of rolled-back family %s failed: %s", family, e.getClass().getSimpleName());
        }
    }
}
