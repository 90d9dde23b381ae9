package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.SingleUseObjectProvider;

/**
 * The claim's decisions against an in-memory single-use store, including one that misreports a request's own write as
 * already present, as Infinispan does for a write in flight to a node that dies.
 */
class GenerationClaimTest {

    private static final String FAMILY = "f1";

    private final FakeStore store = new FakeStore();
    private final KeycloakSession session = sessionWith(store);

    @Test
    void theFirstRequestTakesTheClaim() {
        assertEquals(GenerationClaim.Outcome.TAKEN, claim("t1").take());
    }

    @Test
    void aSecondRequestWithTheSameTokenIsADuplicate() {
        claim("t1").take();

        assertEquals(GenerationClaim.Outcome.SAME_TOKEN_FIRST, claim("t1").take());
    }

    @Test
    void aSecondRequestWithAnotherTokenOfTheGenerationIsAnotherHolder() {
        claim("t1").take();

        assertEquals(GenerationClaim.Outcome.OTHER_TOKEN_FIRST, claim("t2").take());
    }

    @Test
    void anotherGenerationIsAnotherClaim() {
        claim("t1").take();

        assertEquals(GenerationClaim.Outcome.TAKEN, GenerationClaim.of(session, FAMILY, 8, "t2").take());
    }

    @Test
    void aClaimTheStoreMisreportsAsTakenIsAFaultAndTheSameTokensRetryAdoptsIt() {
        // the store writes the claim but answers "present" (Infinispan retrying the write on a survivor)
        store.misreportNextPutIfAbsent = true;

        assertThrows(GenerationClaim.UnrecordedClaimException.class, () -> claim("t1").take(), "never reuse");

        assertEquals(GenerationClaim.Outcome.TAKEN, claim("t1").take());
        // and from then on the claim names its holder
        assertEquals(GenerationClaim.Outcome.OTHER_TOKEN_FIRST, claim("t2").take());
    }

    @Test
    void anotherTokenFindingAnUnrecordedClaimIsAFaultNotReuse() {
        store.misreportNextPutIfAbsent = true;
        assertThrows(GenerationClaim.UnrecordedClaimException.class, () -> claim("t1").take());

        assertThrows(GenerationClaim.UnrecordedClaimException.class, () -> claim("t2").take(),
                "an unrecorded claim is no evidence against t2 either");
    }

    private GenerationClaim claim(String tokenId) {
        return GenerationClaim.of(session, FAMILY, 7, tokenId);
    }

    private static KeycloakSession sessionWith(SingleUseObjectProvider store) {
        return (KeycloakSession) Proxy.newProxyInstance(GenerationClaimTest.class.getClassLoader(), new Class<?>[] {KeycloakSession.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("singleUseObjects")) {
                        return store;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** Keys without expiry; {@link #misreportNextPutIfAbsent} makes the next {@code putIfAbsent} write and answer "present". */
    private static final class FakeStore implements SingleUseObjectProvider {

        private final Set<String> keys = new HashSet<>();
        private final Map<String, Map<String, String>> notes = new HashMap<>();
        boolean misreportNextPutIfAbsent;

        @Override
        public void put(String key, long lifespanSeconds, Map<String, String> values) {
            keys.add(key);
            notes.put(key, Map.copyOf(values));
        }

        @Override
        public Map<String, String> get(String key) {
            return notes.get(key);
        }

        @Override
        public Map<String, String> remove(String key) {
            keys.remove(key);
            return notes.remove(key);
        }

        @Override
        public boolean replace(String key, Map<String, String> values) {
            if (!keys.contains(key)) {
                return false;
            }
            notes.put(key, Map.copyOf(values));
            return true;
        }

        @Override
        public boolean putIfAbsent(String key, long lifespanInSeconds) {
            boolean added = keys.add(key);
            if (misreportNextPutIfAbsent) {
                misreportNextPutIfAbsent = false;
                return false;
            }
            return added;
        }

        @Override
        public boolean contains(String key) {
            return keys.contains(key);
        }

        @Override
        public void close() {
        }
    }
}
