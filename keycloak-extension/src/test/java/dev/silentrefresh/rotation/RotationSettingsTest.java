package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

class RotationSettingsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void parseWhenNothingIsSetThenTheDefaultsThatKeepBothSidesOfThePromise() throws InvalidSettingException {
        RotationSettings settings = RotationSettings.parse(null, null, null, null, Set.of());
        assertEquals(Duration.ofSeconds(10), settings.gracePeriod(), "two racing requests and a quick retry log nobody out");
        assertEquals(3, settings.maxGraceSiblings(), "a retry, a second retry and a double submit; no more");
        assertEquals(RevocationScope.CLIENT_SESSION, settings.revocationScope());
        assertTrue(settings.includeOfflineTokens());
        assertEquals(RotationSettings.DEFAULTS, settings);
    }

    @Test
    void parseWhenTheSiblingBoundIsGivenThenItIsTyped() throws InvalidSettingException {
        assertEquals(1, RotationSettings.parse(null, null, null, "1", Set.of()).maxGraceSiblings());
        assertEquals(100, RotationSettings.parse(null, null, null, 100, Set.of()).maxGraceSiblings());
        assertEquals(5, RotationSettings.parse(null, null, null, List.of(" 5 "), Set.of()).maxGraceSiblings());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "101", "abc", "1.5", "2e1", "9999999999"})
    void parseWhenTheSiblingBoundIsNotAWholeNumberFrom1To100ThenItNamesTheProperty(String value) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RotationSettings.parse(null, null, null, value, Set.of()));
        assertEquals("max-grace-siblings", e.property());
        assertTrue(e.getMessage().startsWith("max-grace-siblings: "), e.getMessage());
    }

    @Test
    void mergeWhenTwoPoliciesCoverOneClientThenTheStricterOfEachSetting() {
        RotationSettings lenient = new RotationSettings(Duration.ofSeconds(30), RevocationScope.FAMILY, false, 10);
        RotationSettings strict = new RotationSettings(Duration.ZERO, RevocationScope.USER_SESSION, true, 2);
        RotationSettings merged = new RotationSettings(Duration.ZERO, RevocationScope.USER_SESSION, true, 2);

        assertEquals(merged, lenient.merge(strict));
        assertEquals(merged, strict.merge(lenient), "the order of the policies does not matter");
        assertEquals(lenient, lenient.merge(lenient));
        assertEquals(new RotationSettings(Duration.ofSeconds(5), RevocationScope.CLIENT_SESSION, true, 3),
                new RotationSettings(Duration.ofSeconds(5), RevocationScope.FAMILY, false, 3)
                        .merge(new RotationSettings(Duration.ofSeconds(8), RevocationScope.CLIENT_SESSION, true, 4)));
    }

    @Test
    void parseWhenTheAdminConsoleStoresStringsThenTheyAreTyped() throws InvalidSettingException {
        RotationSettings settings = RotationSettings.parse(" 10 ", "user-session", "false", null, Set.of());
        assertEquals(new RotationSettings(Duration.ofSeconds(10), RevocationScope.USER_SESSION, false, 3), settings);
    }

    @Test
    void parseWhenEachScopeIsNamedThenItIsTheScope() throws InvalidSettingException {
        assertEquals(RevocationScope.FAMILY, RotationSettings.parse(null, "family", null, null, Set.of()).revocationScope());
        assertEquals(RevocationScope.CLIENT_SESSION, RotationSettings.parse(null, "client-session", null, null, Set.of()).revocationScope());
        assertEquals(RevocationScope.USER_SESSION, RotationSettings.parse(null, "user-session", null, null, Set.of()).revocationScope());
    }

    @Test
    void parseWhenJsonNumbersAndBooleansAreSentThenTheyAreTyped() throws InvalidSettingException {
        assertEquals(new RotationSettings(Duration.ofSeconds(300), RevocationScope.CLIENT_SESSION, true, 3),
                RotationSettings.parse(300, "client-session", true, null, Set.of()));
        assertEquals(Duration.ofSeconds(7), RotationSettings.parse(List.of("7"), null, null, null, Set.of()).gracePeriod());
    }

    @Test
    void parseWhenValuesAreBlankThenTheDefaultsApply() throws InvalidSettingException {
        assertEquals(RotationSettings.DEFAULTS, RotationSettings.parse("", " ", "", null, Set.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "abc", "1.5", "1e2", "+5", "301", "9999999999", "0x10"})
    void parseWhenTheGracePeriodIsNotAWholeNumberFrom0To300ThenItNamesTheProperty(String value) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RotationSettings.parse(value, null, null, null, Set.of()));
        assertEquals("grace-period-seconds", e.property());
        assertTrue(e.getMessage().startsWith("grace-period-seconds: "), e.getMessage());
    }

    @Test
    void parseWhenTheGracePeriodIsAJsonFractionOrListThenItNamesTheProperty() {
        for (Object value : List.of(1.5, -3, List.of(1, 2), Map.of("a", 1))) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RotationSettings.parse(value, null, null, null, Set.of()));
            assertEquals("grace-period-seconds", e.property(), String.valueOf(value));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"everything", "CLIENT-SESSION", "client_session", "session"})
    void parseWhenTheScopeIsUnknownThenItNamesTheProperty(String value) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RotationSettings.parse(null, value, null, null, Set.of()));
        assertEquals("reuse-revocation-scope", e.property());
    }

    @ParameterizedTest
    @ValueSource(strings = {"maybe", "1", "yes", "on"})
    void parseWhenOfflineInclusionIsNotABooleanThenItNamesTheProperty(String value) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RotationSettings.parse(null, null, value, null, Set.of()));
        assertEquals("include-offline-tokens", e.property());
    }

    @Test
    void parseWhenAnUnknownPropertyIsSetThenItNamesIt() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> RotationSettings.parse(null, null, null, null, Set.of("grace-period-second")));
        assertEquals("grace-period-second", e.property());
    }

    @Test
    void configurationWhenBoundFromStoredJsonThenItKeepsUnknownKeysApartForValidation() throws Exception {
        RefreshTokenRotationExecutor.Configuration configuration = JSON.readValue(
                "{\"grace-period-seconds\":\"10\",\"reuse-revocation-scope\":\"user-session\",\"include-offline-tokens\":\"false\","
                        + "\"max-grace-siblings\":\"3\"}",
                RefreshTokenRotationExecutor.Configuration.class);
        assertEquals(new RotationSettings(Duration.ofSeconds(10), RevocationScope.USER_SESSION, false, 3), configuration.toSettings());

        RefreshTokenRotationExecutor.Configuration withTypo = JSON.readValue("{\"grace-period-second\":\"10\"}",
                RefreshTokenRotationExecutor.Configuration.class);
        assertEquals("grace-period-second", assertThrows(InvalidSettingException.class, withTypo::toSettings).property());
    }
}
