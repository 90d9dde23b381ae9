package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.keycloak.models.SingleUseObjectProvider;

class SiblingAllowanceTest {

    private final Set<String> keys = new HashSet<>();
    private final SingleUseObjectProvider store = new SingleUseObjectProvider() {
        @Override
        public void put(String key, long lifespanSeconds, Map<String, String> notes) {
            throw new UnsupportedOperationException("deferred to commit in Keycloak's store: never used for counting");
        }

        @Override
        public Map<String, String> get(String key) {
            return null;
        }

        @Override
        public Map<String, String> remove(String key) {
            keys.remove(key);
            return null;
        }

        @Override
        public boolean replace(String key, Map<String, String> notes) {
            return false;
        }

        @Override
        public boolean putIfAbsent(String key, long lifespanInSeconds) {
            return keys.add(key);
        }

        @Override
        public boolean contains(String key) {
            return keys.contains(key);
        }

        @Override
        public void close() {
        }
    };

    @Test
    void takeWhenTheConsumedTokenComesBackThenSiblingsAreNumberedUpToTheBoundAndThenRefused() {
        List<Integer> siblings = IntStream.range(0, 5).map(i -> allowance("f1", 4, 3).take()).boxed().toList();

        assertEquals(List.of(1, 2, 3, 0, 0), siblings);
    }

    @Test
    void takeWhenAnotherGenerationOrFamilyThenItHasItsOwnCount() {
        allowance("f1", 4, 1).take();

        assertEquals(1, allowance("f1", 5, 1).take());
        assertEquals(1, allowance("f2", 4, 1).take());
        assertEquals(0, allowance("f1", 4, 1).take());
    }

    @Test
    void usedUpWhenEverySiblingIsIssuedAndOnlyThenAndReadingTakesNone() {
        SiblingAllowance allowance = allowance("f1", 4, 2);
        assertFalse(allowance.usedUp(), "no sibling issued yet");
        allowance.take();
        assertFalse(allowance.usedUp(), "one of two issued");
        assertFalse(allowance.usedUp(), "asking twice takes nothing");
        assertEquals(2, allowance.take(), "usedUp took no slot");
        assertTrue(allowance.usedUp(), "both issued: the next take is refused");
        assertEquals(0, allowance.take());
        assertFalse(allowance("f1", 5, 2).usedUp(), "another generation has its own count");
    }

    @Test
    void usedUpWhenTheBoundIsZeroThenAlways() {
        assertTrue(allowance("f1", 4, 0).usedUp());
        assertEquals(0, allowance("f1", 4, 0).take());
    }

    private SiblingAllowance allowance(String family, int generation, int max) {
        return new SiblingAllowance(store, family, generation, max, 70);
    }
}
