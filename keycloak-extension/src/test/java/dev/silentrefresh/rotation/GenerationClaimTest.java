package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.keycloak.models.SingleUseObjectProvider;

/**
 * The claim's decisions against a model of Keycloak's Infinispan single-use store as it behaves (26.7.3): {@code put}
 * deferred to the end of the writing request's transaction and dropped on rollback, every other operation at once. One
 * cache is shared by several requests, each with its own store (its own pending writes). The store can also misreport a
 * request's own write as already present, as Infinispan does for a write in flight to a node that dies.
 */
class GenerationClaimTest {

    private static final String FAMILY = "f1";

    private final Cache cache = new Cache();

    @Test
    void theFirstRequestTakesTheClaim() {
        assertEquals(new GenerationClaim.Taken(GenerationClaim.Outcome.TAKEN, FAMILY), claim(new RequestStore(cache), "t1").take());
    }

    @Test
    void aSecondRequestWithTheSameTokenIsADuplicateWhileTheFirstHasNotCommitted() {
        claim(new RequestStore(cache), "t1").take();   // its commit is still pending

        assertEquals(GenerationClaim.Outcome.SAME_TOKEN_FIRST, claim(new RequestStore(cache), "t1").take().outcome());
    }

    @Test
    void aSecondRequestWithAnotherTokenOfTheGenerationIsAnotherHolderOfTheHoldersFamily() {
        new GenerationClaim(new RequestStore(cache), cache::putNow, "rtr:claim:adopt:s1", "t1", "family-of-t1").take();

        GenerationClaim.Taken second = new GenerationClaim(new RequestStore(cache), cache::putNow, "rtr:claim:adopt:s1", "t2",
                "family-of-t2").take();

        assertEquals(new GenerationClaim.Taken(GenerationClaim.Outcome.OTHER_TOKEN_FIRST, "family-of-t1"), second);
    }

    @Test
    void anotherGenerationIsAnotherClaim() {
        claim(new RequestStore(cache), "t1").take();

        assertEquals(GenerationClaim.Outcome.TAKEN,
                new GenerationClaim(new RequestStore(cache), cache::putNow, "rtr:claim:" + FAMILY + ":8", "t2", FAMILY).take().outcome());
    }

    @Test
    void aClaimTheStoreMisreportsAsTakenIsAFaultAndTheSameTokensRetryAdoptsItAfterTheFirstRequestRolledBack() {
        // the store writes the claim but answers "present" (Infinispan retrying the write on a survivor)
        cache.misreportNextPutIfAbsent = true;
        RequestStore failed = new RequestStore(cache);

        assertThrows(GenerationClaim.UnrecordedClaimException.class, () -> claim(failed, "t1").take(), "never reuse");
        failed.rollback();   // the request answered 503 and its transaction rolled back

        assertEquals(GenerationClaim.Outcome.TAKEN, claim(new RequestStore(cache), "t1").take().outcome());
        // and from then on the claim names its holder
        assertEquals(GenerationClaim.Outcome.OTHER_TOKEN_FIRST, claim(new RequestStore(cache), "t2").take().outcome());
    }

    @Test
    void anotherTokenFindingAnUnrecordedClaimIsAFaultNotReuse() {
        cache.misreportNextPutIfAbsent = true;
        assertThrows(GenerationClaim.UnrecordedClaimException.class, () -> claim(new RequestStore(cache), "t1").take());

        assertThrows(GenerationClaim.UnrecordedClaimException.class, () -> claim(new RequestStore(cache), "t2").take(),
                "an unrecorded claim is no evidence against t2 either");
    }

    @Test
    void aHolderRecordWrittenWithTheRequestsOwnPutIsInvisibleUntilItCommitsWhichIsWhyTheClaimWritesItApart() {
        RequestStore winner = new RequestStore(cache);
        new GenerationClaim(winner, (key, lifespan, notes) -> winner.put(key, lifespan, notes), "rtr:claim:" + FAMILY + ":7", "t1",
                FAMILY).take();

        assertThrows(GenerationClaim.UnrecordedClaimException.class, () -> claim(new RequestStore(cache), "t1").take(),
                "with the store's own put the competitor cannot see the holder before the winner commits");
    }

    private static GenerationClaim claim(RequestStore store, String tokenId) {
        return new GenerationClaim(store, store.cache::putNow, "rtr:claim:" + FAMILY + ":7", tokenId, FAMILY);
    }

    /** The cluster-wide cache: keys without expiry. */
    private static final class Cache {

        private final Map<String, Map<String, String>> entries = new HashMap<>();
        boolean misreportNextPutIfAbsent;

        void putNow(String key, long lifespanSeconds, Map<String, String> notes) {
            entries.put(key, Map.copyOf(notes));
        }
    }

    /** One request's view of the store: {@code put} waits for {@link #commit()}, everything else acts on the cache at once. */
    private static final class RequestStore implements SingleUseObjectProvider {

        private final Cache cache;
        private final Map<String, Map<String, String>> pending = new HashMap<>();

        RequestStore(Cache cache) {
            this.cache = cache;
        }

        void rollback() {
            pending.clear();
        }

        @Override
        public void put(String key, long lifespanSeconds, Map<String, String> values) {
            pending.put(key, Map.copyOf(values));
        }

        @Override
        public Map<String, String> get(String key) {
            return pending.containsKey(key) ? pending.get(key) : cache.entries.get(key);
        }

        @Override
        public Map<String, String> remove(String key) {
            return cache.entries.remove(key);
        }

        @Override
        public boolean replace(String key, Map<String, String> values) {
            return cache.entries.replace(key, Map.copyOf(values)) != null;
        }

        @Override
        public boolean putIfAbsent(String key, long lifespanInSeconds) {
            boolean added = cache.entries.putIfAbsent(key, Map.of()) == null;
            if (cache.misreportNextPutIfAbsent) {
                cache.misreportNextPutIfAbsent = false;
                return false;
            }
            return added;
        }

        @Override
        public boolean contains(String key) {
            return cache.entries.containsKey(key);
        }

        @Override
        public void close() {
        }
    }
}
