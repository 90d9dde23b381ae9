package dev.silentrefresh.demo.browser;

import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;

/**
 * Headless Chromium from the machine (Debian's {@code chromium}, which {@code test.sh} installs; or {@code CHROMIUM_PATH}),
 * driven by Playwright. Playwright never downloads a browser of its own here.
 */
final class Chromium implements AutoCloseable {

    private final Playwright playwright;
    private final Browser browser;

    private Chromium(boolean backForwardCache) {
        this.playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        this.browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                // Playwright switches the back-forward cache off by default; a test of a restored page needs it on
                .setIgnoreDefaultArgs(backForwardCache ? List.of("--disable-back-forward-cache") : List.of())
                .setExecutablePath(Paths.get(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium")))
                .setHeadless(true)
                // without the background-networking flags Chromium keeps dialling out, which a closed network refuses
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync")));
    }

    static Chromium launch() {
        return new Chromium(false);
    }

    /** A Chromium that keeps pages in its back-forward cache, as browsers do by default. */
    static Chromium withBackForwardCache() {
        return new Chromium(true);
    }

    Browser browser() {
        return browser;
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
