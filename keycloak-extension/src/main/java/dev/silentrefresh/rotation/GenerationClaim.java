package dev.silentrefresh.rotation;

import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.utils.KeycloakModelUtils;

/**
 * Makes "move this family on from generation k" happen at most once across the cluster, and tells a request that comes
 * second whether the first one presented the very same token, without waiting for it.
 *
 * <p>Two keys in Keycloak's single-use object store, whose {@code putIfAbsent} is atomic cluster-wide (Keycloak guards its
 * own rotation with it): first one for the presented token, then one for the generation. A request that finds the token's
 * key taken is a duplicate of a request with the same token (a retry, a double submit): it gets a sibling inside the
 * grace window. One that takes the token's key but finds the generation's taken presented another token of the same
 * generation while the family was moving on: two holders, so reuse. Nobody waits for anybody's commit, so no request can
 * hold up another, and a winner that crashed leaves its twin a sibling rather than a wait.
 *
 * <p>Nothing is released on success: once the winner's transaction has committed, the family is past k and its state
 * decides, and the keys expire on their own. If the winner's transaction rolls back, both keys are removed and the
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
     * Longer than any request takes to commit (a claim outliving its winner's commit changes nothing: the family's state
     * decides once it has moved on), short enough to keep the store small.
     */
    static final long LIFESPAN_SECONDS = 60;

    private final KeycloakSession session;
    private final String tokenKey;
    private final String generationKey;

    private GenerationClaim(KeycloakSession session, String generationKey, String tokenId) {
        this.session = session;
        this.generationKey = generationKey;
        this.tokenKey = generationKey + ":" + tokenId;
    }

    /** The claim on moving {@code family} on from {@code generation} with the token {@code tokenId}. */
    static GenerationClaim of(KeycloakSession session, String family, int generation, String tokenId) {
        return new GenerationClaim(session, "rtr:claim:" + family + ":" + generation, tokenId);
    }

    Outcome take() {
        if (!session.singleUseObjects().putIfAbsent(tokenKey, LIFESPAN_SECONDS)) {
            return Outcome.SAME_TOKEN_FIRST;
        }
        return session.singleUseObjects().putIfAbsent(generationKey, LIFESPAN_SECONDS) ? Outcome.TAKEN : Outcome.OTHER_TOKEN_FIRST;
    }

    /**
     * After the request's transaction has committed, runs {@code committed}; after it has rolled back, removes both keys
     * and runs {@code rolledBack} (which puts the note back).
     */
    void onCompletion(Runnable committed, Runnable rolledBack) {
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        String[] keys = {tokenKey, generationKey};
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
}
