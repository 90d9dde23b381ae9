package dev.silentrefresh.demo.browser;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Request;

/**
 * What the pages of one browser context sent, as Playwright saw it: the app's API requests, and the pages' own requests to
 * Keycloak's OpenID Connect endpoints (end-session). Token-endpoint requests come from the token owner, a SharedWorker,
 * which Playwright does not see: {@link KeycloakProxy} counts those. Only counts are kept, never a request body.
 *
 * <p>Playwright delivers these events while the test calls into it (waits, clicks, evaluations), so read the counts after
 * such a call.
 */
final class BrowserTraffic {

    private final String endpointPrefix;
    private final String apiPrefix;
    private final AtomicInteger apiRequests = new AtomicInteger();
    private final List<String> endpointExchanges = new CopyOnWriteArrayList<>();

    private BrowserTraffic(String keycloakUrl, String appUrl) {
        this.endpointPrefix = keycloakUrl + "/realms/demo/protocol/openid-connect/";
        this.apiPrefix = appUrl + "api/";
    }

    /**
     * @param context     the browser context to watch (all its pages)
     * @param keycloakUrl Keycloak's base URL as the browser uses it
     * @param appUrl      the app's base URL, ending in {@code /}
     */
    static BrowserTraffic watch(BrowserContext context, String keycloakUrl, String appUrl) {
        BrowserTraffic traffic = new BrowserTraffic(keycloakUrl, appUrl);
        context.onRequest(request -> {
            if (request.url().startsWith(traffic.apiPrefix)) {
                traffic.apiRequests.incrementAndGet();
            }
        });
        context.onRequestFailed(request -> traffic.recordEndpointExchange(request, "failed"));
        context.onResponse(response -> traffic.recordEndpointExchange(response.request(), String.valueOf(response.status())));
        return traffic;
    }

    /** Requests to the app's {@code /api/...}. */
    int apiRequests() {
        return this.apiRequests.get();
    }

    /**
     * The pages' requests to Keycloak's OpenID Connect endpoints (authorization, end-session), as {@code "METHOD /path ->
     * status"} without the query.
     */
    List<String> endpointExchanges() {
        return List.copyOf(this.endpointExchanges);
    }

    private void recordEndpointExchange(Request request, String outcome) {
        String url = request.url();
        if (url.startsWith(this.endpointPrefix)) {
            int query = url.indexOf('?');
            String path = URI.create(query < 0 ? url : url.substring(0, query)).getPath();
            this.endpointExchanges.add(request.method() + " " + path + " -> " + outcome);
        }
    }
}
