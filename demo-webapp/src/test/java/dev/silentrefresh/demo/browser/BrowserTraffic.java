package dev.silentrefresh.demo.browser;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Request;

/**
 * What every page of one browser context sent, as Playwright saw it: token-endpoint requests by grant type, and the
 * app's API requests. Only counts and times are kept, never a request body.
 *
 * <p>Playwright delivers these events while the test calls into it (waits, clicks, evaluations), so read the counts after
 * such a call.
 */
final class BrowserTraffic {

    private final String tokenUrl;
    private final String apiPrefix;
    private final List<Long> refreshRequestTimes = new CopyOnWriteArrayList<>();
    private final AtomicInteger failedRefreshRequests = new AtomicInteger();
    private final AtomicInteger codeExchanges = new AtomicInteger();
    private final AtomicInteger apiRequests = new AtomicInteger();
    private final List<String> endpointExchanges = new CopyOnWriteArrayList<>();

    private BrowserTraffic(String tokenUrl, String appUrl) {
        this.tokenUrl = tokenUrl;
        this.apiPrefix = appUrl + "api/";
    }

    /**
     * @param context  the browser context to watch (all its pages)
     * @param tokenUrl Keycloak's token endpoint
     * @param appUrl   the app's base URL, ending in {@code /}
     */
    static BrowserTraffic watch(BrowserContext context, String tokenUrl, String appUrl) {
        BrowserTraffic traffic = new BrowserTraffic(tokenUrl, appUrl);
        context.onRequest(traffic::onRequest);
        context.onRequestFailed(request -> {
            if (traffic.isRefreshGrant(request)) {
                traffic.failedRefreshRequests.incrementAndGet();
            }
            traffic.recordEndpointExchange(request, "failed");
        });
        context.onResponse(response -> traffic.recordEndpointExchange(response.request(), String.valueOf(response.status())));
        return traffic;
    }

    /** True for a POST to the token endpoint whose form has {@code grant_type=refresh_token}. */
    boolean isRefreshGrant(Request request) {
        return "refresh_token".equals(grantType(request));
    }

    /** Token-endpoint requests with {@code grant_type=refresh_token} sent so far (including failed ones). */
    int refreshRequests() {
        return this.refreshRequestTimes.size();
    }

    /** Of those, the ones that never got a response (aborted, network error). */
    int failedRefreshRequests() {
        return this.failedRefreshRequests.get();
    }

    /** Token-endpoint requests with {@code grant_type=authorization_code} (logins). */
    int codeExchanges() {
        return this.codeExchanges.get();
    }

    /** Requests to the app's {@code /api/...}. */
    int apiRequests() {
        return this.apiRequests.get();
    }

    /**
     * Requests to Keycloak's OpenID Connect endpoints other than the token endpoint (revocation, end-session), as
     * {@code "METHOD /path -> status"} without the query, which can hold an ID token.
     */
    List<String> endpointExchanges() {
        return List.copyOf(this.endpointExchanges);
    }

    private void recordEndpointExchange(Request request, String outcome) {
        String url = request.url();
        String base = this.tokenUrl.substring(0, this.tokenUrl.length() - "token".length());
        if (url.startsWith(base) && !url.equals(this.tokenUrl)) {
            int query = url.indexOf('?');
            String path = URI.create(query < 0 ? url : url.substring(0, query)).getPath();
            this.endpointExchanges.add(request.method() + " " + path + " -> " + outcome);
        }
    }

    private void onRequest(Request request) {
        String grantType = grantType(request);
        if ("refresh_token".equals(grantType)) {
            this.refreshRequestTimes.add(System.nanoTime());
        } else if ("authorization_code".equals(grantType)) {
            this.codeExchanges.incrementAndGet();
        } else if (request.url().startsWith(this.apiPrefix)) {
            this.apiRequests.incrementAndGet();
        }
    }

    private String grantType(Request request) {
        if (!"POST".equals(request.method()) || !this.tokenUrl.equals(request.url())) {
            return null;
        }
        String form = request.postData();
        if (form == null) {
            return null;
        }
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && "grant_type".equals(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8))) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
