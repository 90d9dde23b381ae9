package dev.silentrefresh.rotation;

import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.utils.KeycloakModelUtils;

/**
 * Makes "move this family on from generation k" happen at most once across the cluster.
 *
 * <p>The claim is a key in Keycloak's single-use object store, whose {@code putIfAbsent} is atomic cluster-wide (Keycloak
 * guards its own rotation with it). Unlike a lock it is never released on success: once the winner's transaction has
 * committed the family is past k and nobody contends for k again, and the key expires on its own. So no request waits
 * for a release, no late release can free someone else's claim, and nothing is held while anything else runs (no
 * back-channel logout, no second transaction). If the winner's transaction rolls back, the claim is removed and the
 * family's note put back, so the same token can rotate again: a rolled-back rotation leaves the previous token usable.
 */
final class GenerationClaim {

    /**
     * Long enough for the winner to commit, short enough that a claim orphaned by a crashed node blocks its family for
     * one minute at most (the client retries with the same token and gets 503 meanwhile, never a revocation).
     */
    static final long LIFESPAN_SECONDS = 60;

    private final KeycloakSession session;
    private final String key;

    private GenerationClaim(KeycloakSession session, String key) {
        this.session = session;
        this.key = key;
    }

    /** The claim on moving {@code family} on from {@code generation}. */
    static GenerationClaim of(KeycloakSession session, String family, int generation) {
        return new GenerationClaim(session, "rtr:claim:" + family + ":" + generation);
    }

    /** @return {@code true} if this request now owns the move; {@code false} if another request took it first */
    boolean take() {
        return session.singleUseObjects().putIfAbsent(key, LIFESPAN_SECONDS);
    }

    /** After the request's transaction rolls back: removes the claim, then runs {@code undo} (which puts the note back). */
    void undoOnRollback(Runnable undo) {
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        String claimKey = key;
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
            }

            @Override
            protected void rollbackImpl() {
                try {
                    KeycloakModelUtils.runJobInTransaction(factory, released -> released.singleUseObjects().remove(claimKey));
                } finally {
                    undo.run();
                }
            }
        });
    }

    String key() {
        return key;
    }
}
