package dev.silentrefresh.rotation.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import dev.silentrefresh.benchmarks.ClosedLoop;

/**
 * A virtual user's rotation chain: logged in once through Keycloak's login form (code + PKCE, a browser of its own, so a
 * user session of its own), then refreshed over and over with the newest refresh token.
 */
final class RefreshChain implements ClosedLoop.Request {

    static final String USER = "alice";

    private final OidcTestClient client;
    private String refreshToken;
    private long refreshes;

    private RefreshChain(OidcTestClient client, String refreshToken) {
        this.client = client;
        this.refreshToken = refreshToken;
    }

    static RefreshChain loggedIn(OidcTestClient client) {
        TokenResponse login = client.login(USER, USER);
        if (login.status() != 200) {
            throw new IllegalStateException("login failed: " + login);
        }
        return new RefreshChain(client, login.refreshToken());
    }

    /**
     * {@code count} chains, logged in a few at a time, each with a client of its own from {@code clients}: every user has
     * its own connection, as browsers do (the JDK client talks HTTP/2 to Keycloak, and one connection shared by many
     * users would run out of streams).
     */
    static List<RefreshChain> loggedIn(Supplier<OidcTestClient> clients, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<RefreshChain>> logins = new ArrayList<>();
            // the first login alone: it may re-hash the password for the realm's policy, which parallel logins would race for
            RefreshChain first = loggedIn(clients.get());
            logins.add(java.util.concurrent.CompletableFuture.completedFuture(first));
            for (int i = 1; i < count; i++) {
                OidcTestClient client = clients.get();
                logins.add(pool.submit(() -> loggedIn(client)));
            }
            List<RefreshChain> chains = new ArrayList<>();
            for (Future<RefreshChain> login : logins) {
                chains.add(login.get());
            }
            return chains;
        } finally {
            pool.shutdownNow();
        }
    }

    /** One refresh with the newest token; the chain goes on with the new one on success. */
    @Override
    public int send() {
        TokenResponse response = client.refresh(refreshToken);
        if (response.status() == 200) {
            refreshToken = response.refreshToken();
            refreshes++;
        }
        return response.status();
    }

    /** How many refreshes this chain has made (its position). */
    long refreshes() {
        return refreshes;
    }
}
