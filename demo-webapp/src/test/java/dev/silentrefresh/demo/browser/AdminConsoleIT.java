package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.TimeoutError;
import com.microsoft.playwright.options.LoadState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakUrls;

/**
 * What an operator sees: Keycloak's own Admin Console, in Chromium, showing the {@code refresh-token-rotation} executor
 * of the imported realm with its properties, saving a change, and refusing an invalid value with a message that names
 * the property.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class AdminConsoleIT {

    private static final String PROFILE = "refresh-token-rotation";
    private static final String GRACE = "[data-testid='grace-period-seconds']";
    private static final String SCOPE = "#reuse-revocation-scope";
    private static final String OFFLINE = "[data-testid='include-offline-tokens']";
    private static final String SIBLINGS = "[data-testid='max-grace-siblings']";
    private static final String BOUND_RETRY = "[data-testid='bound-token-retry']";
    private static final String SAVE = "[data-testid='addExecutor-saveBtn']";
    /** Committed: the README shows it. */
    static final Path DOCS_SCREENSHOT = Path.of("..", "docs", "admin-console-executor.png").toAbsolutePath().normalize();

    @InjectAdminClient
    Keycloak admin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    private static Chromium chromium;
    private BrowserContext context;

    @BeforeAll
    static void launchChromium() {
        chromium = Chromium.launch();
    }

    @BeforeEach
    void newBrowser() {
        context = chromium.browser().newContext(new Browser.NewContextOptions().setViewportSize(1400, 1000));
        // the console is a large single-page app: on a loaded two-core machine its first render can take longer than 30 s
        context.setDefaultTimeout(60_000);
    }

    @AfterEach
    void closeBrowser() {
        context.close();
    }

    @AfterAll
    static void stopChromium() {
        chromium.close();
    }

    @Test
    void theExecutorShowsItsPropertiesWithTheRealmsValuesAndSavesAChange() throws Exception {
        // Given the admin opens the executor of the imported profile
        Page page = openTheExecutor();

        // Then the console shows its five properties with realm-export.json's values (the form first renders the defaults)
        awaitValue(page, GRACE, "10");
        assertEquals("10", page.inputValue(GRACE));
        assertEquals("3", page.inputValue(SIBLINGS));
        assertEquals("client-session", page.textContent(SCOPE).trim());
        assertFalse(page.isChecked(BOUND_RETRY));
        assertTrue(page.isChecked(OFFLINE));
        assertTrue(page.getByText("Grace period (seconds)").isVisible());
        assertTrue(page.getByText("Siblings per consumed token").isVisible());
        assertTrue(page.getByText("Revoke on reuse").isVisible());
        assertTrue(page.getByText("Bound-token retry").isVisible());
        assertTrue(page.getByText("Include offline tokens").isVisible());
        // (the README's picture of the executor's settings)
        Files.createDirectories(DOCS_SCREENSHOT.getParent());
        page.screenshot(new Page.ScreenshotOptions().setPath(DOCS_SCREENSHOT));
        assertTrue(Files.size(DOCS_SCREENSHOT) > 0);

        // When the admin sets a 20 s grace period and saves
        page.fill(GRACE, "20");
        page.click(SAVE);
        page.waitForFunction("() => document.body.textContent.includes('Executor updated successfully')");

        // Then the realm's profile holds it
        assertEquals("20", storedConfiguration().path("grace-period-seconds").asText());
    }

    @Test
    void anInvalidGracePeriodIsRefusedWithAMessageNamingThePropertyAndNothingIsSaved() {
        JsonNode before = storedConfiguration();
        Page page = openTheExecutor();
        awaitValue(page, GRACE, before.path("grace-period-seconds").asText());

        // When the admin enters a negative grace period and saves
        page.fill(GRACE, "-5");
        page.click(SAVE);

        // Then the console shows the server's refusal, naming the property, and the profile is unchanged
        page.waitForFunction("() => document.body.textContent.includes('Executor not updated')");
        String alert = (String) page.evaluate("() => document.querySelector('[class*=alert]').textContent");
        assertTrue(alert.contains("grace-period-seconds: must be a whole number of seconds from 0 to 300"), alert);
        assertEquals(before, storedConfiguration());
    }

    private static void awaitValue(Page page, String selector, String value) {
        try {
            page.waitForFunction("([selector, value]) => document.querySelector(selector).value === value", List.of(selector, value),
                    new Page.WaitForFunctionOptions().setTimeout(10_000));
        } catch (TimeoutError e) {
            // fall through: the assertion after this shows what the console displayed instead
        }
    }

    /** Logs in to the Admin Console and goes Realm settings, Client policies, Profiles, the profile, its executor. */
    private Page openTheExecutor() {
        Page page = context.newPage();
        page.navigate(urls.getBase() + "/admin/master/console/#/demo/realm-settings/client-policies/profiles");
        page.fill("#username", "admin");
        page.fill("#password", "admin");
        page.click("#kc-login");
        page.waitForLoadState(LoadState.NETWORKIDLE);
        // the console keeps the master realm after login until the page is loaded again
        page.reload();
        page.waitForLoadState(LoadState.NETWORKIDLE);
        page.getByPlaceholder("Search").first().fill(PROFILE);
        page.keyboard().press("Enter");
        page.locator("a:has-text('" + PROFILE + "')").first().click();
        // the profile's page lists its executors, each a link to the executor's form; wait for that link rather than
        // for the network, which can fall idle before the console has rendered the list (seen on a loaded machine)
        Locator executor = page.locator("a[href*='/edit-profile/" + PROFILE + "']").first();
        executor.waitFor();
        executor.click();
        page.waitForSelector(GRACE);
        return page;
    }

    private JsonNode storedConfiguration() {
        return demoRealm.admin().clientPoliciesProfilesResource().getProfiles(false).getProfiles().stream()
                .filter(profile -> PROFILE.equals(profile.getName()))
                .findFirst().orElseThrow()
                .getExecutors().get(0).getConfiguration();
    }
}
