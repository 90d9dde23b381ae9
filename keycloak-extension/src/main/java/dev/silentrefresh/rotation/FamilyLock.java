package dev.silentrefresh.rotation;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.utils.KeycloakModelUtils;

/**
 * Serialises refreshes of one token family across the cluster, for the rest of the request.
 *
 * <p>The lock is a key in Keycloak's single-use object store, whose {@code putIfAbsent} is atomic cluster-wide (Keycloak
 * guards its own built-in rotation the same way). It is released after the request's transaction has completed, so the
 * next holder reads the family state its predecessor committed. Its lifespan bounds how long a crashed node can hold it.
 */
final class FamilyLock {

    static final Duration WAIT_LIMIT = Duration.ofSeconds(10);
    private static final long LIFESPAN_SECONDS = 60;
    private static final long MAX_BACKOFF_MILLIS = 50;

    private FamilyLock() {
    }

    /**
     * Waits up to {@link #WAIT_LIMIT} for the family's lock.
     *
     * @return {@code false} if another request held it for the whole wait
     */
    static boolean acquire(KeycloakSession session, String userSessionId, String family) {
        String key = "rtr-lock:" + userSessionId + ":" + family;
        long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
        long backoffMillis = 2;
        while (!session.singleUseObjects().putIfAbsent(key, LIFESPAN_SECONDS)) {
            if (System.nanoTime() > deadline || !pause(backoffMillis)) {
                return false;
            }
            backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
        }
        releaseAfterCompletion(session, key);
        return true;
    }

    private static void releaseAfterCompletion(KeycloakSession session, String key) {
        // enlist the session store first, so it commits before the lock is released
        session.sessions();
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                release(factory, key);
            }

            @Override
            protected void rollbackImpl() {
                release(factory, key);
            }
        });
    }

    private static void release(KeycloakSessionFactory factory, String key) {
        KeycloakModelUtils.runJobInTransaction(factory, session -> session.singleUseObjects().remove(key));
    }

    private static boolean pause(long backoffMillis) {
        try {
            Thread.sleep(1 + ThreadLocalRandom.current().nextLong(backoffMillis));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
