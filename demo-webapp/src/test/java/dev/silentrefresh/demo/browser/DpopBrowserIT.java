package dev.silentrefresh.demo.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

/**
 * The realm's second client, {@code demo-spa-dpop}, requires DPoP (RFC 9449): the browser's token owner proves possession of
 * a non-extractable key with every token request, so its refresh token is useless anywhere else.
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class DpopBrowserIT extends BrowserTest {

    @Test
    void withTheDpopClientTheRefreshTokenIsBoundToAKeyThatCannotLeaveTheBrowser() {
        // Given alice logs in with the DPoP client
        DemoPage tab = open("?client=dpop");
        tab.logIn("alice", "alice", false);
        tab.waitUntil("s.state === 'logged-in'");

        // Then her tokens are DPoP-bound, every token request carried a proof, and the access token names the key
        assertEquals("DPoP", tab.stats().get("tokenType"));
        @SuppressWarnings("unchecked")
        Map<String, Object> cnf = (Map<String, Object>) tab.page().evaluate("() => window.__demo.client.accessTokenClaims.cnf");
        assertNotNull(cnf, "the access token has no cnf claim");
        assertNotNull(cnf.get("jkt"), "the access token is not bound to a key thumbprint");
        // and the private key is a non-extractable CryptoKey in IndexedDB
        Object extractable = tab.page().evaluate("""
                () => new Promise((resolve, reject) => {
                  const open = indexedDB.open('silent-refresh:demo-spa-dpop')
                  open.onsuccess = () => {
                    const get = open.result.transaction('keys').objectStore('keys').get('dpop:demo-spa-dpop')
                    get.onsuccess = () => resolve(get.result.privateKey.extractable)
                    get.onerror = () => reject(get.error)
                  }
                  open.onerror = () => reject(open.error)
                })""");
        assertEquals(Boolean.FALSE, extractable);

        // When the page refreshes
        tab.click("refresh-button");
        tab.waitForGenerationAbove(0, 15_000);

        // Then Keycloak accepted the proof
        List<KeycloakProxy.TokenExchange> exchanges = proxy.tokenExchanges();
        measured("DPoP", "exchanges=" + exchanges.stream().map(e -> e.grantType() + "/" + e.keycloakStatus() + "/proof=" + e.dpopProof()).toList());
        assertTrue(exchanges.stream().allMatch(KeycloakProxy.TokenExchange::dpopProof), "a token request without a DPoP proof");
        assertEquals(200, exchanges.get(exchanges.size() - 1).keycloakStatus());

        // And the refresh token, taken off the wire and presented without the key, buys nothing
        HttpResponse<String> stolen = postRefreshGrant(DPOP_SPA, proxy.lastRefreshToken());
        assertEquals(400, stolen.statusCode(), stolen.body());
        // while the browser's own refresh still works (the refused attempt revoked nothing)
        int generation = tab.generation();
        tab.click("refresh-button");
        tab.waitForGenerationAbove(generation, 15_000);
        assertEquals("logged-in", tab.state());
    }

    /**
     * Issue 15, part 1 (shared contract 2, {@code bound-token-retry}): a DPoP-bound family's consumed token, presented again
     * with a valid proof by the family's key, gets a sibling at any time until the family moves on, and the client
     * ({@code boundTokenRetry}) retries an unanswered refresh with back-off until it gets an answer. The realm gives
     * {@code demo-spa-dpop} a profile of its own with {@code bound-token-retry} on.
     */
    @Test
    void aDpopRefreshWhoseAnswerIsLostIsRetriedAfterTheGraceWindowWithTheSameKeyAndKeepsTheFamily() {
        // Given alice is logged in with the DPoP client (proactive refresh off: only the refresh below happens)
        DemoPage tab = open("?client=dpop&proactive=off");
        tab.logIn("alice", "alice", false);
        tab.waitUntil("s.state === 'logged-in'");
        String family = tab.family();

        // When Keycloak rotates on her next refresh but the answer is lost, and Keycloak stays unreachable until well after
        // the grace window
        proxy.faultNextRefreshes(new KeycloakProxy.DropAnswer());
        proxy.refuseRefreshesFor(java.time.Duration.ofSeconds(GRACE_SECONDS + 3));
        tab.click("refresh-button");
        tab.waitUntil("s.state === 'logged-out' || (c.refreshTokenInfo && (c.refreshTokenInfo.generation > 0 || c.refreshTokenInfo.family !== '"
                + family + "'))", 60_000);

        // Then the client kept presenting the same token with its key until Keycloak answered, and got a sibling: the same
        // family, no silent login, no reuse
        List<KeycloakProxy.TokenExchange> exchanges = proxy.tokenExchanges().stream().filter(e -> "refresh_token".equals(e.grantType())).toList();
        long lastAfterMillis = java.time.Duration.ofNanos(exchanges.get(exchanges.size() - 1).arrivedNanos() - exchanges.get(0).arrivedNanos()).toMillis();
        measured("DPoP lost answer, retry after the window", "exchanges=" + exchanges.stream().map(e -> e.keycloakStatus() + "/" + e.delivered()).toList()
                + " lastRetryAfterMillis=" + lastAfterMillis + " codeExchanges=" + proxy.codeExchanges() + " refreshErrors=" + refreshErrors()
                + " state=" + tab.state());
        assertEquals("logged-in", tab.state());
        assertEquals(family, tab.family(), "the family (a silent login replaced the token)");
        assertEquals(1, proxy.codeExchanges(), "code exchanges: the login only");
        assertTrue(exchanges.stream().allMatch(KeycloakProxy.TokenExchange::dpopProof), "a refresh request without a DPoP proof");
        assertEquals(200, exchanges.get(exchanges.size() - 1).keycloakStatus(), "the last retry's answer");
        assertTrue(lastAfterMillis > GRACE_SECONDS * 1000L, "the answered retry came after the grace window: " + lastAfterMillis + " ms");
        assertFalse(refreshErrors().contains(REUSED), "refresh_token_reused events: " + refreshErrors());
    }

    @Test
    void apiCallsWithDpopBoundTokensSucceed() throws Exception {
        DemoPage tab = open("?client=dpop");
        tab.logIn("alice", "alice");
        int ok = tab.stat("apiOk");
        tab.click("call-api");
        tab.waitUntil("s.apiOk === " + (ok + 2) + " && s.apiOk + s.apiFailed === s.apiCalls");
        assertEquals(0, tab.stat("apiFailed"), "failed DPoP API calls: " + tab.stats());
        assertEquals("DPoP", tab.stats().get("tokenType"));
    }
}
