package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class CoveredRefreshTest {

    @Test
    void mergeWhenASecondPolicyMarksTheRequestLaterThenItStartedAtTheFirstMark() {
        RotationSettings tenSeconds = new RotationSettings(Duration.ofSeconds(10), RevocationScope.FAMILY, true, 3);
        RotationSettings fiveSeconds = new RotationSettings(Duration.ofSeconds(5), RevocationScope.FAMILY, true, 3);

        CoveredRefresh merged = new CoveredRefresh(tenSeconds, 1_000L).merge(fiveSeconds);

        assertEquals(1_000L, merged.startedAtMillis(), "the grant started at TOKEN_REFRESH, not at TOKEN_REFRESH_RESPONSE");
        assertEquals(Duration.ofSeconds(5), merged.settings().gracePeriod());
    }
}
