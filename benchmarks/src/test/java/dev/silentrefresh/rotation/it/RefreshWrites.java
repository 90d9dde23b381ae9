package dev.silentrefresh.rotation.it;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one refresh writes to the database, for clients A, B and C of {@link BenchKeycloak} in production mode on
 * PostgreSQL: the database's own counters ({@code pg_stat_database}: commits, rows inserted, updated, deleted) before and
 * after a number of sequential refreshes of one client alone. Unlike CPU profiles on a shared machine, these counts do
 * not depend on the machine's load.
 *
 * <p>From {@code benchmarks/}, with the test class path: {@code java dev.silentrefresh.rotation.it.RefreshWrites [refreshes]}.
 */
public final class RefreshWrites {

    private static final String COUNTERS = "select xact_commit, tup_inserted, tup_updated, tup_deleted from pg_stat_database"
            + " where datname = current_database()";

    private RefreshWrites() {
    }

    public static void main(String[] args) throws Exception {
        int refreshes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path folder = Path.of("target", "refresh-writes").toAbsolutePath();
        try (BenchKeycloak keycloak = BenchKeycloak.start(BenchKeycloak.Mode.PRODUCTION_POSTGRES, folder, 8480, 9480)) {
            Map<String, Supplier<OidcTestClient>> clients = keycloak.comparedClients();
            for (String client : List.of("A", "B", "C", "A", "B", "C")) {
                RefreshChain chain = RefreshChain.loggedIn(clients.get(client).get());
                for (int i = 0; i < 20; i++) {
                    chain.send();
                }
                long[] before = counters(keycloak);
                for (int i = 0; i < refreshes; i++) {
                    if (chain.send() != 200) {
                        throw new IllegalStateException("refresh failed for client " + client);
                    }
                }
                long[] after = counters(keycloak);
                System.out.printf(Locale.ROOT, "%s: per refresh %.2f commits, %.2f rows inserted, %.2f updated, %.2f deleted%n", client,
                        (double) (after[0] - before[0]) / refreshes, (double) (after[1] - before[1]) / refreshes,
                        (double) (after[2] - before[2]) / refreshes, (double) (after[3] - before[3]) / refreshes);
            }
        }
    }

    private static long[] counters(BenchKeycloak keycloak) throws Exception {
        // PostgreSQL 15 flushes an idle backend's statistics within ten seconds
        Thread.sleep(11_000);
        String[] values = keycloak.sql(COUNTERS).split("\\|");
        long[] counters = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            counters[i] = Long.parseLong(values[i].strip());
        }
        return counters;
    }
}
