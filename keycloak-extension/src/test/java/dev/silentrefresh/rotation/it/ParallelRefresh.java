package dev.silentrefresh.rotation.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Presents refresh tokens through several clients at the same instant, as racing tabs or a thief would. */
final class ParallelRefresh {

    private ParallelRefresh() {
    }

    /** One refresh per client, all released at once; the responses in the clients' order. */
    static List<TokenResponse> of(String refreshToken, List<OidcTestClient> clients) throws Exception {
        return ofEach(Collections.nCopies(clients.size(), refreshToken), clients);
    }

    /** The i-th token through the i-th client, all released at once; the responses in the clients' order. */
    static List<TokenResponse> ofEach(List<String> refreshTokens, List<OidcTestClient> clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<TokenResponse>> futures = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                OidcTestClient client = clients.get(i);
                String refreshToken = refreshTokens.get(i);
                futures.add(pool.submit(() -> {
                    start.await();
                    return client.refresh(refreshToken);
                }));
            }
            start.countDown();
            List<TokenResponse> results = new ArrayList<>();
            for (Future<TokenResponse> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
