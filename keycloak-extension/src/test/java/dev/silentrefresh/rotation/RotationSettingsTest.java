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
    void parseWhenNothingIsSetThenTheSafeDefaults() throws InvalidSettingException {
        RotationSettings settings = RotationSettings.parse(null, null, null, Set.of());
        assertEquals(Duration.ZERO, settings.gracePeriod());
        assertEquals(RevocationScope.CLIENT_SESSION, settings.revocationScope());
        assertTrue(settings.includeOfflineTokens());
        assertEquals(RotationSettings.DEFAULTS, settings);
    }

    @Test
    void parseWhenTheAdminConsoleStoresStringsThenTheyAreTyped() throws InvalidSettingException {
        RotationSettings settings = RotationSettings.parse(" 10 ", "user-session", "false", Set.of());
        assertEquals(new RotationSettings(Duration.ofSeconds(10), RevocationScope.USER_SESSION, false), settings);
    }

    @Test
    void parseWhenEachScopeIsNamedThenItIsTheScope() throws InvalidSettingException {
        assertEquals(RevocationScope.FAMILY, RotationSettings.parse(null, "family", null, Set.of()).revocationScope());
        assertEquals(RevocationScope.CLIENT_SESSION, RotationSettings.parse(null, "client-session", null, Set.of()).revocationScope());
        assertEquals(RevocationScope.USER_SESSION, RotationSettings.parse(null, "user-session", null, Set.of()).revocationScope());
    }

    @Test
    void parseWhenJsonNumbersAndBooleansAreSentThenTheyAreTyped() throws InvalidSettingException {
        assertEquals(new RotationSettings(Duration.ofSeconds(300), RevocationScope.CLIENT_SESSION, true),
                RotationSettings.parse(300, "client-session", true, Set.of()));
        assertEquals(Duration.ofSeconds(7), RotationSettings.parse(List.of("7"), null, null, Set.of()).gracePeriod());
    }

    @Test
    void parseWhenValuesAreBlankThenTheDefaultsApply() throws InvalidSettingException {
        assertEquals(RotationSettings.DEFAULTS, RotationSettings.parse("", " ", "", Set.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "abc", "1.5", "1e2", "+5", "301", "9999999999", "0x10"})
    void parseWhenTheGracePeriodIsNotAWholeNumberFrom0To300ThenItNamesTheProperty(String value) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RotationSettings.parse(value, null, null, Set.of()));
        assertEquals("grace-period-seconds", e.property());
        assertTrue(e.getMessage().startsWith("grace-period-seconds: "), e.getMessage());
    }

    @Test
    void parseWhenTheGracePeriodIsAJsonFractionOrListThenItNamesTheProperty() {
        for (Object value : List.of(1.5, -3, List.of(1, 2), Map.of("a", 1))) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RotationSettings.parse(value, null, null, Set.of()));
            assertEquals("grace-period-seconds", e.property(), String.valueOf(value));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"everything", "CLIENT-SESSION", "client_session", "session"})
    void parseWhenTheScopeIsUnknownThenItNamesTheProperty(String value) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RotationSettings.parse(null, value, null, Set.of()));
        assertEquals("reuse-revocation-scope", e.property());
    }

    @ParameterizedTest
    @ValueSource(strings = {"maybe", "1", "yes", "on"})
    void parseWhenOfflineInclusionIsNotABooleanThenItNamesTheProperty(String value) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> RotationSettings.parse(null, null, value, Set.of()));
        assertEquals("include-offline-tokens", e.property());
    }

    @Test
    void parseWhenAnUnknownPropertyIsSetThenItNamesIt() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> RotationSettings.parse(null, null, null, Set.of("grace-period-second")));
        assertEquals("grace-period-second", e.property());
    }

    @Test
    void configurationWhenBoundFromStoredJsonThenItKeepsUnknownKeysApartForValidation() throws Exception {
        RefreshTokenRotationExecutor.Configuration configuration = JSON.readValue(
                "{\"grace-period-seconds\":\"10\",\"reuse-revocation-scope\":\"user-session\",\"include-offline-tokens\":\"false\"}",
                RefreshTokenRotationExecutor.Configuration.class);
        assertEquals(new RotationSettings(Duration.ofSeconds(10), RevocationScope.USER_SESSION, false), configuration.toSettings());

        RefreshTokenRotationExecutor.Configuration withTypo = JSON.readValue("{\"grace-period-second\":\"10\"}",
                RefreshTokenRotationExecutor.Configuration.class);
        assertEquals("grace-period-second", assertThrows(InvalidSettingException.class, withTypo::toSettings).property());
    }
}
