package dev.silentrefresh.demo.browser;

import java.util.concurrent.atomic.AtomicInteger;

import com.microsoft.playwright.BrowserContext;

/**
 * What the pages of one browser context sent, as Playwright saw it: the app's API requests. Requests to Keycloak's token and
 * end-session endpoints come from the token owner, a SharedWorker, which Playwright does not see: {@link KeycloakProxy}
 * records those. Only counts are kept, never a request body.
 *
 * <p>Playwright delivers these events while the test calls into it (waits, clicks, evaluations), so read the counts after
 * such a call.
 */
final class BrowserTraffic {

    private final String apiPrefix;
    private final AtomicInteger apiRequests = new AtomicInteger();

    private BrowserTraffic(String appUrl) {
        this.apiPrefix = appUrl + "api/";
    }

    /**
     * @param context the browser context to watch (all its pages)
     * @param appUrl  the app's base URL, ending in {@code /}
     */
    static BrowserTraffic watch(BrowserContext context, String appUrl) {
        BrowserTraffic traffic = new BrowserTraffic(appUrl);
        context.onRequest(request -> {
            if (request.url().startsWith(traffic.apiPrefix)) {
                traffic.apiRequests.incrementAndGet();
            }
        });
        return traffic;
    }

    /** Requests to the app's {@code /api/...}. */
    int apiRequests() {
        return this.apiRequests.get();
    }
}
