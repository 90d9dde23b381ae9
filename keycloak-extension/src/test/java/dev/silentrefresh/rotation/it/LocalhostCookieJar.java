package dev.silentrefresh.rotation.it;

import java.net.CookieHandler;
import java.net.HttpCookie;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The cookie jar of a browser talking to one local Keycloak. Browsers treat {@code http://localhost} as a secure context
 * and send {@code Secure} cookies to it; the JDK's {@code CookieManager} does not, and Keycloak marks its login cookies
 * {@code Secure}. Domain and path are ignored: every request goes to the same server.
 */
final class LocalhostCookieJar extends CookieHandler {

    private final Map<String, HttpCookie> cookies = new ConcurrentHashMap<>();

    @Override
    public Map<String, List<String>> get(URI uri, Map<String, List<String>> requestHeaders) {
        cookies.values().removeIf(HttpCookie::hasExpired);
        if (cookies.isEmpty()) {
            return Map.of();
        }
        String header = cookies.values().stream().map(c -> c.getName() + "=" + c.getValue()).collect(Collectors.joining("; "));
        return Map.of("Cookie", List.of(header));
    }

    @Override
    public void put(URI uri, Map<String, List<String>> responseHeaders) {
        responseHeaders.forEach((name, values) -> {
            if ("Set-Cookie".equalsIgnoreCase(name)) {
                values.stream().flatMap(value -> HttpCookie.parse(value).stream()).forEach(this::store);
            }
        });
    }

    private void store(HttpCookie cookie) {
        if (cookie.getMaxAge() == 0) {
            cookies.remove(cookie.getName());
        } else {
            cookies.put(cookie.getName(), cookie);
        }
    }
}
