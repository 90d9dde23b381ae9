package dev.silentrefresh.rotation;

import java.util.Map;

import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.SingleUseObjectProvider;
import org.keycloak.models.utils.KeycloakModelUtils;

/**
 * Makes "move this family on from generation k" happen at most once across the cluster, and tells a request that comes
 * second whether the first one presented the very same token, without waiting for the first one's commit.
 *
 * <p>The claim is a key in Keycloak's single-use object store, whose {@code putIfAbsent} is atomic cluster-wide (Keycloak
 * guards its own rotation with it); right after taking it, the winner records beside it which token it presented and
 * which family it moves on. A request that finds the claim taken reads that record (waiting at most for that one write):
 * the same token is a duplicate (a retry, a double submit), which gets a sibling inside the grace window; another token of
 * the same generation means two holders, so reuse, of the family the record names.
 *
 * <p>Keycloak's Infinispan store applies {@code putIfAbsent}, {@code contains} and {@code remove} at once, but defers
 * {@code put} to the end of the writing session's transaction and drops it on rollback. The holder record is therefore
 * written in a transaction of its own, committed at once: a competitor must see it while the winner's own commit is still
 * pending (a database stalling mid-commit would otherwise turn every duplicate into a 503). The note that a claim was found
 * without a holder is a {@code putIfAbsent}, so it survives the rollback of the request that answers 503.
 *
 * <p>The store can misreport a claim as taken. Seen on a two-node Keycloak 26.7.3 when a node dies: a request whose
 * {@code putIfAbsent} was in flight to the dead node is retried by Infinispan on the survivor, which finds the value the
 * first attempt already wrote there and answers "present" — the request's own claim, reported as someone else's, which
 * revoked honest users' sessions. So a taken claim without a record of its holder is never evidence: the request
 * answers 503 (nothing consumed, nothing revoked) and notes that it saw the orphan; when the same token comes back and
 * the claim still has no record, no live holder can be behind it (a holder records itself within a cache write of taking
 * the claim), and the claim is adopted.
 *
 * <p>Nothing is released on success: once the winner's transaction has committed, the family is past k and its state
 * decides, and the keys expire on their own. If the winner's transaction rolls back, the keys are removed and the
 * family's note put back, so the same token can rotate again: a rolled-back rotation leaves the previous token usable.
 */
final class GenerationClaim {

    /** What {@link #take()} found. */
    enum Outcome {
        /** This request moves the family on. */
        TAKEN,
        /** Another request with the same token is moving it on right now. */
        SAME_TOKEN_FIRST,
        /** Another request, with another token of the same generation, is moving it on right now. */
        OTHER_TOKEN_FIRST
    }

    /**
     * @param outcome      what the claim was found to be
     * @param holderFamily the family the holder moves on (this request's own when it took the claim)
     */
    record Taken(Outcome outcome, String holderFamily) {
    }

    /** Writes a record so that every node sees it at once, whatever becomes of the writing request's transaction. */
    @FunctionalInterface
    interface ImmediateWriter {
        void put(String key, long lifespanSeconds, Map<String, String> notes);
    }

    /**
     * Longer than any request takes to commit (a claim outliving its winner's commit changes nothing: the family's state
     * decides once it has moved on), short enough to keep the store small.
     */
    static final long LIFESPAN_SECONDS = 60;

    private static final String TOKEN_NOTE = "jti";
    private static final String FAMILY_NOTE = "fam";
    /** Pauses of 5, 10, ... 320 ms: about 0.6 s in all before a claim without a holder counts as unrecorded. */
    private static final long HOLDER_WAIT_MAX_PAUSE_MILLIS = 320;

    private final SingleUseObjectProvider store;
    private final ImmediateWriter writer;
    private final String claimKey;
    private final String holderKey;
    private final String orphanSeenKey;
    private final String tokenId;
    private final String family;

    GenerationClaim(SingleUseObjectProvider store, ImmediateWriter writer, String claimKey, String tokenId, String family) {
        this.store = store;
        this.writer = writer;
        this.claimKey = claimKey;
        this.holderKey = claimKey + ":holder";
        this.orphanSeenKey = claimKey + ":orphan-seen:" + tokenId;
        this.tokenId = tokenId;
        this.family = family;
    }

    /** The claim on moving {@code family} on from {@code generation} with the token {@code tokenId}. */
    static GenerationClaim of(KeycloakSession session, String family, int generation, String tokenId) {
        return of(session, family + ":" + generation, tokenId, family);
    }

    /**
     * A claim under a key of the caller's choosing, e.g. one adoption per client session, recording the family the holder
     * moves on.
     */
    static GenerationClaim of(KeycloakSession session, String claimName, String tokenId, String family) {
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        ImmediateWriter ownTransaction = (key, lifespan, notes) -> KeycloakModelUtils.runJobInTransaction(factory,
                writing -> writing.singleUseObjects().put(key, lifespan, notes));
        return new GenerationClaim(session.singleUseObjects(), ownTransaction, "rtr:claim:" + claimName, tokenId, family);
    }

    /**
     * @throws UnrecordedClaimException when the claim is taken but names no holder yet; the caller answers 503 and the
     *                                  same token, presented again, adopts the claim if it still names none
     */
    Taken take() {
        if (store.putIfAbsent(claimKey, LIFESPAN_SECONDS)) {
            recordHolder();
            return new Taken(Outcome.TAKEN, family);
        }
        Map<String, String> holder = awaitHolder();
        if (holder != null) {
            Outcome outcome = tokenId.equals(holder.get(TOKEN_NOTE)) ? Outcome.SAME_TOKEN_FIRST : Outcome.OTHER_TOKEN_FIRST;
            return new Taken(outcome, holder.getOrDefault(FAMILY_NOTE, family));
        }
        if (store.contains(orphanSeenKey)) {
            // seen without a holder at this token's last attempt, seconds ago: nobody is behind it
            recordHolder();
            return new Taken(Outcome.TAKEN, family);
        }
        store.putIfAbsent(orphanSeenKey, LIFESPAN_SECONDS);
        throw new UnrecordedClaimException(claimKey);
    }

    /**
     * The holder's record, waiting briefly for it: a holder writes it right after taking the claim, so a request that
     * comes in between (a double submit, a thief racing the victim) only has to wait for one cache write.
     */
    private Map<String, String> awaitHolder() {
        Map<String, String> holder = store.get(holderKey);
        for (long pause = 5; holder == null && pause <= HOLDER_WAIT_MAX_PAUSE_MILLIS; pause *= 2) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            holder = store.get(holderKey);
        }
        return holder;
    }

    private void recordHolder() {
        writer.put(holderKey, LIFESPAN_SECONDS, Map.of(TOKEN_NOTE, tokenId, FAMILY_NOTE, family));
    }

    /**
     * After the request's transaction has committed, runs {@code committed}; after it has rolled back, removes the claim
     * and runs {@code rolledBack} (which puts the note back).
     */
    void onCompletion(KeycloakSession session, Runnable committed, Runnable rolledBack) {
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        String[] keys = {holderKey, claimKey};
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                committed.run();
            }

            @Override
            protected void rollbackImpl() {
                try {
                    KeycloakModelUtils.runJobInTransaction(factory, released -> {
                        for (String key : keys) {
                            released.singleUseObjects().remove(key);
                        }
                    });
                } finally {
                    rolledBack.run();
                }
            }
        });
    }

    /** A taken claim that names no holder: not evidence of anything, so a fault (503), never reuse. */
    static final class UnrecordedClaimException extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        UnrecordedClaimException(String claimKey) {
            super("the claim " + claimKey + " is taken but names no holder yet");
        }
    }
}
