package dev.silentrefresh.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Virtual users in a closed loop: each on a thread of its own sends its next request as soon as the previous one is
 * answered, until the run's time is up or the user has sent its budget of requests, whichever comes first. Every request
 * is timed into one {@link Outcomes}.
 */
public final class ClosedLoop {

    /** A virtual user's next request. */
    @FunctionalInterface
    public interface Request {
        /** @return the HTTP status of the answer */
        int send() throws Exception;
    }

    private ClosedLoop() {
    }

    public static Measurement run(String label, List<? extends Request> users, Duration duration, long maxRequestsPerUser)
            throws InterruptedException {
        Outcomes outcomes = new Outcomes();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] deadline = new long[1];
        for (Request user : users) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (long sent = 0; sent < maxRequestsPerUser && System.nanoTime() < deadline[0]; sent++) {
                    long startNanos = System.nanoTime();
                    String outcome;
                    try {
                        outcome = Outcomes.ofStatus(user.send());
                    } catch (Exception e) {
                        outcome = "error " + e.getClass().getSimpleName();
                    }
                    outcomes.record(startNanos, outcome);
                }
            }, "vu-" + label + "-" + threads.size());
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        long began = System.nanoTime();
        deadline[0] = began + duration.toNanos();
        start.countDown();
        for (Thread thread : threads) {
            // a request still running at the deadline is waited for, but not forever
            thread.join(duration.toMillis() + Duration.ofMinutes(2).toMillis());
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        return outcomes.measurement(label, users.size(), seconds);
    }
}
