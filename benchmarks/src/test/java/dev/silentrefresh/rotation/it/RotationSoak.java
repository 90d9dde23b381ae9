package dev.silentrefresh.rotation.it;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.silentrefresh.benchmarks.Measurement;
import dev.silentrefresh.benchmarks.Outcomes;

/**
 * Issue 10, item 1: virtual users keep rotation chains against {@code demo-spa} for a while, and some of them misbehave as
 * real clients and real thieves do.
 *
 * <ul>
 * <li><b>honest</b>: refresh with the newest token after a think time;</li>
 * <li><b>double submit</b> (honest races, two tabs or a double click): now and then present one token twice at once, and
 * go on with one of the two answers;</li>
 * <li><b>lost response</b>: now and then the answer to a refresh never arrives (it is thrown away); the client retries
 * with the same token a moment later, inside the grace window;</li>
 * <li><b>thief</b>: a victim (an honest chain of its own) and a thief who steals the token the victim has just used, in
 * episodes that take turns between four ways of replaying it (see {@link Theft}); each episode ends when the family is
 * revoked, and the next one starts with a new login of the victim.</li>
 * </ul>
 *
 * <p>Honest clients handle faults as the project's browser client does: a refused connection or a 5xx/429 answer
 * consumed nothing, so the same token is presented again after a pause; a request that was sent but never answered may
 * have rotated the family, so its token is presented again only while the grace window, counted from the first attempt,
 * surely still runs, and otherwise the client logs in again silently through its SSO session instead of replaying it.
 * Requests go to the given nodes in turn (as a load balancer would send them), and to the next node when one does not
 * answer.
 *
 * <p>Every token seen is remembered by its signature, so that a test can check that none of them reached a log.
 */
final class RotationSoak {

    private static final String USER = "alice";
    private static final Duration RETRY_PAUSE = Duration.ofMillis(500);
    /** How much of the grace window a client keeps for the network: a retry later than window minus this is not sent. */
    private static final Duration RETRY_MARGIN = Duration.ofSeconds(2);

    /** The ways a thief replays the token its victim has just used. */
    enum Theft {
        /** Inside the window, then waits: uses what it got only after the victim's next refresh. */
        IN_WINDOW_THEN_WAIT,
        /** Inside the window, then at once rotates what it got, before the victim's next refresh. */
        IN_WINDOW_THEN_ROTATE,
        /** After every victim refresh, replays the token just given up and uses what it got one step behind. */
        LEAPFROG,
        /** After the window has closed (or an older token): refused at once. */
        AFTER_WINDOW
    }

    /** The mix and the pace. */
    record Settings(int users, Duration duration, Duration graceWindow, Duration thinkMin, Duration thinkMax,
                    double doubleSubmitShare, double lostResponseShare, double thiefShare) {

        int doubleSubmitters() {
            return (int) Math.round(users * doubleSubmitShare);
        }

        int lostResponders() {
            return (int) Math.round(users * lostResponseShare);
        }

        int thieves() {
            return Math.max(1, (int) Math.round(users * thiefShare));
        }

        int honest() {
            return users - doubleSubmitters() - lostResponders() - thieves();
        }

        /** Every user but the thief/victim pairs: the plain honest ones, the double submitters and the lost responses. */
        int honestChains() {
            return users - thieves();
        }
    }

    /** One thief episode, as it ended. */
    record Episode(Theft theft, boolean detected, int replaysHonoured, int thiefRefreshes, boolean bothRefusedAfterwards,
                   String afterwards) {
    }

    /** What the soak saw. */
    record Result(Settings settings, Measurement calls, int honestChains, int honestChainsRevoked, List<String> honestRevocations,
                  long doubleSubmits, long lostResponses, long unansweredRequests, long retriesOfUnanswered, long silentLogins,
                  List<Episode> episodes, List<String> problems, Set<String> tokenSignatures) {

        long serverErrors() {
            return calls.outcomes().entrySet().stream().filter(e -> e.getKey().startsWith("HTTP 5")).mapToLong(Map.Entry::getValue).sum();
        }

        long thievesDetected() {
            return episodes.stream().filter(Episode::detected).count();
        }

        int mostReplaysHonoured() {
            return episodes.stream().mapToInt(Episode::replaysHonoured).max().orElse(0);
        }

        int mostThiefRefreshes(Theft theft) {
            return episodes.stream().filter(e -> e.theft() == theft).mapToInt(Episode::thiefRefreshes).max().orElse(0);
        }

        long episodes(Theft theft) {
            return episodes.stream().filter(e -> e.theft() == theft).count();
        }

        String summary() {
            StringBuilder text = new StringBuilder();
            text.append(String.format(java.util.Locale.ROOT,
                    "soak: %d VUs for %s, %d calls (%.0f/s), p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, outcomes %s%n",
                    settings.users(), settings.duration(), calls.calls(), calls.calls() / calls.seconds(), calls.millis(50), calls.millis(99),
                    calls.millis(99.9), calls.outcomes()));
            text.append(String.format(java.util.Locale.ROOT,
                    "  honest chains revoked: %d of %d %s; 5xx: %d; double submits: %d; lost responses: %d;"
                            + " requests sent but never answered: %d (turns that recovered by an answered retry inside the window: %d,"
                            + " by a silent login instead: %d)%n",
                    honestChainsRevoked, honestChains, honestRevocations.isEmpty() ? "" : honestRevocations, serverErrors(), doubleSubmits,
                    lostResponses, unansweredRequests, retriesOfUnanswered, silentLogins));
            text.append(String.format(java.util.Locale.ROOT, "  thieves detected: %d of %d; replays honoured at most %d per thief;"
                    + " family refused on both sides afterwards: %d of %d%n", thievesDetected(), episodes.size(), mostReplaysHonoured(),
                    episodes.stream().filter(Episode::bothRefusedAfterwards).count(), episodes.size()));
            if (!problems.isEmpty()) {
                text.append("  problems: ").append(problems).append(System.lineSeparator());
            }
            for (Theft theft : Theft.values()) {
                text.append(String.format(java.util.Locale.ROOT, "    %-22s episodes %3d, thief refreshes before detection at most %d%n",
                        theft, episodes(theft), mostThiefRefreshes(theft)));
            }
            return text.toString();
        }
    }

    private final List<String> nodes;
    private final Settings settings;
    private final Outcomes outcomes = new Outcomes();
    private final Set<String> signatures = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<String> revocations = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Episode> episodes = new ConcurrentLinkedQueue<>();
    private final AtomicLong doubleSubmits = new AtomicLong();
    private final AtomicLong lostResponses = new AtomicLong();
    private final AtomicLong unanswered = new AtomicLong();
    private final AtomicLong retriesOfUnanswered = new AtomicLong();
    private final AtomicLong silentLogins = new AtomicLong();
    private final AtomicLong interruptedEpisodes = new AtomicLong();
    /** Per honest user: when it last got a new token ({@link System#nanoTime()}), and how often it had to recover. */
    private final Map<Integer, Long> lastRefreshed = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> recoveries = new ConcurrentHashMap<>();
    private final AtomicInteger turn = new AtomicInteger();
    private final ExecutorService racers = Executors.newCachedThreadPool(daemon("soak-race"));
    /** Logins are set-up, not load: a few at a time, so that 200 of them do not starve the refreshes. */
    private final Semaphore logins = new Semaphore(4);
    private volatile long deadline;
    /** Requests are not sent after this, whatever happens (the soak's bound in time). */
    private volatile long hardDeadline;

    /**
     * @param baseUrls the Keycloak node(s), e.g. {@code http://127.0.0.1:8280}
     */
    RotationSoak(List<String> baseUrls, Settings settings) {
        this.nodes = List.copyOf(baseUrls);
        this.settings = settings;
    }

    /**
     * Logs every virtual user in, then runs them for the soak's duration; {@code meanwhile} runs on the calling thread once
     * the users are going (e.g. a crash and a restart), and the users keep going until the duration is over and
     * {@code meanwhile} has returned.
     */
    Result run(Meanwhile meanwhile) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<User> users = new ArrayList<>();
        int index = 0;
        for (int i = 0; i < settings.honest(); i++) {
            users.add(new HonestUser(index++, Kind.HONEST));
        }
        for (int i = 0; i < settings.doubleSubmitters(); i++) {
            users.add(new HonestUser(index++, Kind.DOUBLE_SUBMIT));
        }
        for (int i = 0; i < settings.lostResponders(); i++) {
            users.add(new HonestUser(index++, Kind.LOST_RESPONSE));
        }
        for (int i = 0; i < settings.thieves(); i++) {
            users.add(new ThiefAndVictim(index++));
        }
        // everybody logs in first (a few at a time), so that the soak's time is spent refreshing
        deadline = System.nanoTime() + settings.duration().toNanos();
        hardDeadline = deadline + Duration.ofMinutes(10).toNanos();
        // the first login alone: it may re-hash the password for the realm's policy, which parallel logins would race for
        users.get(0).logIn();
        ExecutorService loginPool = Executors.newFixedThreadPool(4, daemon("soak-login"));
        try {
            for (CompletableFuture<Void> login : users.subList(1, users.size()).stream()
                    .map(user -> CompletableFuture.runAsync(user::logIn, loginPool)).toList()) {
                login.join();
            }
        } finally {
            loginPool.shutdownNow();
        }
        long began = System.nanoTime();
        deadline = began + settings.duration().toNanos();
        hardDeadline = deadline + Duration.ofMinutes(10).toNanos();
        for (Runnable user : users) {
            Thread thread = new Thread(user, "soak-vu-" + threads.size());
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        meanwhile.run();
        // users may have to wait out a restart: give them until the hard deadline
        for (Thread thread : threads) {
            thread.join(Math.max(1, (hardDeadline - System.nanoTime()) / 1_000_000));
        }
        racers.shutdownNow();
        double seconds = (System.nanoTime() - began) / 1e9;
        List<String> honest = List.copyOf(revocations);
        return new Result(settings, outcomes.measurement("soak", settings.users(), seconds), settings.honestChains(),
                honest.size(), honest, doubleSubmits.get(), lostResponses.get(), unanswered.get(), retriesOfUnanswered.get(),
                silentLogins.get(), List.copyOf(episodes), List.copyOf(problems), Set.copyOf(signatures));
    }

    /** What the soak does on the side while the users run (nothing, or a crash). */
    @FunctionalInterface
    interface Meanwhile {
        void run() throws Exception;
    }

    /** How many honest users got a new token (or logged in again) after {@code nanoTime}. */
    int honestUsersRefreshedSince(long nanoTime) {
        return (int) lastRefreshed.values().stream().filter(at -> at > nanoTime).count();
    }

    /** The most recoveries (an answered retry of an unanswered request, or a silent login instead) any honest user needed. */
    int mostRecoveriesOfOneUser() {
        return recoveries.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    long interruptedEpisodes() {
        return interruptedEpisodes.get();
    }

    /** Extends the time the users keep going, e.g. until a restarted server has been up for a while. */
    void extendUntil(long nanoTime) {
        deadline = Math.max(deadline, nanoTime);
    }

    /**
     * Keeps the users going, however long it takes, until {@link #endAt} says when to stop: while a server restarts, a
     * soak whose duration ran out would let the users stop before they could show whether they get through afterwards.
     * Requests still end at the hard deadline.
     */
    void holdOpen() {
        deadline = hardDeadline;
    }

    /** The users stop at {@code nanoTime} (after {@link #holdOpen()}; later calls of {@link #extendUntil} may extend it). */
    void endAt(long nanoTime) {
        deadline = nanoTime;
    }

    /**
     * Keeps the soak going until every honest user has refreshed (or logged in again) since {@code since}, for at most
     * {@code atMost}, then for five more seconds; returns at once if the soak's deadline is further away than that.
     */
    void extendUntilEveryHonestUserRefreshedSince(long since, Duration atMost) throws InterruptedException {
        long giveUp = System.nanoTime() + atMost.toNanos();
        while (honestUsersRefreshedSince(since) < settings.honestChains() && System.nanoTime() < giveUp) {
            extendUntil(System.nanoTime() + Duration.ofSeconds(10).toNanos());
            Thread.sleep(500);
        }
        extendUntil(System.nanoTime() + Duration.ofSeconds(5).toNanos());
    }

    private enum Kind { HONEST, DOUBLE_SUBMIT, LOST_RESPONSE }

    /** A virtual user: logs in before the soak starts, then runs until it ends. */
    private interface User extends Runnable {
        void logIn();
    }

    /** A chain of a client that means well. */
    private final class HonestUser implements User {
        private final int index;
        private final Kind kind;
        private final Random random;
        private final OidcTestClient.Browser browser = new OidcTestClient.Browser();
        private final List<OidcTestClient> clients = clientsPerNode();
        private String refreshToken;
        private int requests;

        HonestUser(int index, Kind kind) {
            this.index = index;
            this.kind = kind;
            this.random = new Random(index);
        }

        @Override
        public void logIn() {
            refreshToken = login(clients, browser, index);
        }

        @Override
        public void run() {
            try {
                while (System.nanoTime() < deadline) {
                    think(random);
                    if (!refreshOnce()) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                problems.add(kind + " #" + index + ": " + e);
            }
        }

        /** @return whether the chain goes on */
        private boolean refreshOnce() throws InterruptedException {
            boolean misbehave = requests++ % 3 == 2;
            AtomicBoolean unansweredThisTurn = new AtomicBoolean();
            TokenResponse answer;
            if (misbehave && kind == Kind.DOUBLE_SUBMIT) {
                answer = doubleSubmit(unansweredThisTurn);
            } else if (misbehave && kind == Kind.LOST_RESPONSE) {
                answer = loseOneResponse(unansweredThisTurn);
            } else {
                answer = presentHonestly(clients, index, refreshToken, 0, unansweredThisTurn);
            }
            if (unansweredThisTurn.get()) {
                // a request of this turn died unanswered (a crash): one recovery, whichever way it goes
                recoveries.merge(index, 1, Integer::sum);
                if (answer != null) {
                    retriesOfUnanswered.incrementAndGet();
                }
            }
            if (answer == null) {
                // sent, never answered, and too late to retry inside the window: log in again rather than replay
                refreshToken = login(clients, browser, index);
                silentLogins.incrementAndGet();
                lastRefreshed.put(index, System.nanoTime());
                return true;
            }
            if (answer.status() != 200) {
                revocations.add(kind + " #" + index + " at request " + requests + ": " + answer);
                return false;
            }
            refreshToken = answer.refreshToken();
            lastRefreshed.put(index, System.nanoTime());
            return true;
        }

        /** Two requests with one token at the same instant; the client goes on with one of the two answers. */
        private TokenResponse doubleSubmit(AtomicBoolean unanswered) {
            String token = refreshToken;
            CompletableFuture<TokenResponse> first = CompletableFuture.supplyAsync(
                    () -> presentHonestly(clients, index, token, 0, unanswered), racers);
            CompletableFuture<TokenResponse> second = CompletableFuture.supplyAsync(
                    () -> presentHonestly(clients, index + 1, token, 0, unanswered), racers);
            TokenResponse a = first.join();
            TokenResponse b = second.join();
            doubleSubmits.incrementAndGet();
            if (a == null || b == null) {
                return a == null ? b : a;
            }
            if (a.status() != 200 || b.status() != 200) {
                return a.status() != 200 ? a : b;
            }
            return random.nextBoolean() ? a : b;
        }

        /** The first answer is lost on its way back; the same token goes again a moment later, inside the window. */
        private TokenResponse loseOneResponse(AtomicBoolean unanswered) throws InterruptedException {
            long sent = System.nanoTime();
            TokenResponse lost = presentHonestly(clients, index, refreshToken, 0, unanswered);
            if (lost == null || lost.status() != 200) {
                return lost;
            }
            lostResponses.incrementAndGet();
            long latest = Math.max(1, settings.graceWindow().minus(RETRY_MARGIN).toMillis() / 2);
            Thread.sleep(random.nextLong(latest));
            // the client never saw an answer: the window runs from when it sent the lost request
            return presentHonestly(clients, index, refreshToken, sent, unanswered);
        }
    }

    /**
     * Presents a refresh token as an honest client does, through faults: the answer, or {@code null} when a request was
     * sent but not answered and the grace window may have closed since (the caller then logs in again).
     */
    private TokenResponse presentHonestly(List<OidcTestClient> clients, int user, String refreshToken, long unansweredSince,
                                          AtomicBoolean sawNoAnswer) {
        long uncertainSince = unansweredSince;
        for (int attempt = 0; System.nanoTime() < hardDeadline; attempt++) {
            OidcTestClient node = clients.get(Math.floorMod(user + turn.getAndIncrement(), clients.size()));
            if (uncertainSince != 0) {
                long elapsed = System.nanoTime() - uncertainSince;
                if (elapsed > settings.graceWindow().minus(RETRY_MARGIN).toNanos()) {
                    return null;
                }
            }
            long sent = System.nanoTime();
            try {
                TokenResponse answer = node.refresh(refreshToken);
                outcomes.record(sent, Outcomes.ofStatus(answer.status()));
                if (answer.status() >= 500 || answer.status() == 429) {
                    // nothing was consumed: the same token again, after a pause
                    pause();
                    continue;
                }
                remember(answer);
                return answer;
            } catch (IllegalStateException e) {
                if (e.getCause() instanceof ConnectException) {
                    outcomes.record(sent, "connection refused");
                    pause();
                } else {
                    outcomes.record(sent, "no answer (" + rootCause(e) + ")");
                    unanswered.incrementAndGet();
                    sawNoAnswer.set(true);
                    if (uncertainSince == 0) {
                        uncertainSince = sent;
                    }
                    shortPause();
                }
            }
        }
        throw new IllegalStateException("no answer until the soak's hard deadline");
    }

    /** Logs in through the given browser: with the password the first time, silently through its SSO session later. */
    private String login(List<OidcTestClient> clients, OidcTestClient.Browser browser, int user) {
        for (int attempt = 0; System.nanoTime() < hardDeadline; attempt++) {
            OidcTestClient node = clients.get(Math.floorMod(user + attempt, clients.size()));
            try {
                logins.acquireUninterruptibly();
                TokenResponse login;
                try {
                    login = node.login(browser, USER, USER, "");
                } finally {
                    logins.release();
                }
                if (login.status() == 200) {
                    remember(login);
                    return login.refreshToken();
                }
                outcomes.count("login " + Outcomes.ofStatus(login.status()));
            } catch (IllegalStateException e) {
                outcomes.count("login failed (" + rootCause(e) + ")");
            }
            pause();
        }
        throw new IllegalStateException("could not log in until the soak's hard deadline");
    }

    /** A victim with a chain of its own, and a thief who steals the token the victim has just used. */
    private final class ThiefAndVictim implements User {
        private final int index;
        private final Random random;
        private final OidcTestClient.Browser browser = new OidcTestClient.Browser();
        private final List<OidcTestClient> clients = clientsPerNode();
        private final List<OidcTestClient> thiefClients = clientsPerNode();
        private String firstLogin;

        ThiefAndVictim(int index) {
            this.index = index;
            this.random = new Random(index);
        }

        /** The victim's first login with the password; every later one is silent, through the same browser. */
        @Override
        public void logIn() {
            firstLogin = login(clients, browser, index);
        }

        @Override
        public void run() {
            try {
                for (int episode = 0; System.nanoTime() < deadline; episode++) {
                    Theft theft = Theft.values()[(index + episode) % Theft.values().length];
                    try {
                        episodes.add(play(theft));
                    } catch (EpisodeInterrupted e) {
                        interruptedEpisodes.incrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                problems.add("thief #" + index + ": " + e);
            }
        }

        private Episode play(Theft theft) throws InterruptedException {
            String victim = firstLogin != null ? firstLogin : login(clients, browser, index);
            firstLogin = null;
            think(random);
            String stolen = victim;
            victim = ok(refresh(victim));
            int honoured = 0;
            int thiefRefreshes = 0;
            boolean detected = false;
            String thiefNewest = null;
            switch (theft) {
                case IN_WINDOW_THEN_WAIT, IN_WINDOW_THEN_ROTATE -> {
                    sleepWithin(settings.graceWindow().minus(RETRY_MARGIN).dividedBy(2));
                    TokenResponse replay = thief(stolen);
                    if (replay.status() == 200) {
                        honoured++;
                        thiefRefreshes++;
                        thiefNewest = replay.refreshToken();
                    } else {
                        detected = true;
                    }
                    if (!detected && theft == Theft.IN_WINDOW_THEN_ROTATE) {
                        TokenResponse rotated = thief(thiefNewest);
                        if (rotated.status() == 200) {
                            thiefRefreshes++;
                            thiefNewest = rotated.refreshToken();
                        } else {
                            detected = true;
                        }
                    }
                    think(random);
                    TokenResponse victimNext = refresh(victim);
                    detected |= victimNext.status() != 200;
                    if (victimNext.status() == 200) {
                        victim = victimNext.refreshToken();
                    }
                    if (!detected && thiefNewest != null) {
                        TokenResponse late = thief(thiefNewest);
                        if (late.status() == 200) {
                            thiefRefreshes++;
                            thiefNewest = late.refreshToken();
                        } else {
                            detected = true;
                        }
                    }
                }
                case LEAPFROG -> {
                    for (int cycle = 0; cycle < 20 && !detected && System.nanoTime() < hardDeadline; cycle++) {
                        TokenResponse replay = thief(stolen);
                        if (replay.status() == 200) {
                            honoured++;
                            thiefRefreshes++;
                        }
                        think(random);
                        TokenResponse victimNext = refresh(victim);
                        TokenResponse thiefNext = replay.status() == 200 ? thief(replay.refreshToken()) : replay;
                        if (thiefNext.status() == 200 && replay.status() == 200) {
                            thiefRefreshes++;
                            thiefNewest = thiefNext.refreshToken();
                        }
                        detected = victimNext.status() != 200 || thiefNext.status() != 200;
                        stolen = victim;
                        if (victimNext.status() == 200) {
                            victim = victimNext.refreshToken();
                        }
                    }
                }
                case AFTER_WINDOW -> {
                    Thread.sleep(settings.graceWindow().plusSeconds(1).toMillis());
                    TokenResponse replay = thief(stolen);
                    if (replay.status() == 200) {
                        honoured++;
                        thiefRefreshes++;
                        thiefNewest = replay.refreshToken();
                    } else {
                        detected = true;
                    }
                }
            }
            // once detected, neither side's newest token may work any more: the family is revoked, nothing forked off it
            TokenResponse victimAfter = refresh(victim);
            TokenResponse thiefAfter = thiefNewest == null ? null : thief(thiefNewest);
            boolean refused = victimAfter.status() == 400 && (thiefAfter == null || thiefAfter.status() == 400);
            return new Episode(theft, detected, honoured, thiefRefreshes, refused, "victim " + victimAfter + ", thief " + thiefAfter);
        }

        /** The victim and the thief both retry through faults; a request left unanswered by a crash ends the episode. */
        private TokenResponse refresh(String token) {
            return refresh(clients, token);
        }

        /** The thief's requests, from a machine (connection) of its own. */
        private TokenResponse thief(String token) {
            return refresh(thiefClients, token);
        }

        private TokenResponse refresh(List<OidcTestClient> through, String token) {
            TokenResponse answer = presentHonestly(through, index, token, 0, new AtomicBoolean());
            if (answer == null) {
                throw new EpisodeInterrupted();
            }
            return answer;
        }

        private String ok(TokenResponse response) {
            if (response.status() != 200) {
                throw new IllegalStateException("the victim's own refresh failed: " + response);
            }
            return response.refreshToken();
        }

        private void sleepWithin(Duration most) throws InterruptedException {
            Thread.sleep(random.nextLong(Math.max(1, most.toMillis())));
        }
    }

    /** A request of an episode was sent but never answered (a crash): the episode proves nothing either way. */
    private static final class EpisodeInterrupted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EpisodeInterrupted() {
            super(null, null, false, false);
        }
    }

    /** The innermost exception's class and message, for the report (the JDK's messages carry no request data). */
    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /**
     * A browser's own HTTP clients, one per node: every user has its own connection, as browsers do (the JDK client talks
     * HTTP/2 to Keycloak, and one connection shared by hundreds of users would run out of streams).
     */
    private List<OidcTestClient> clientsPerNode() {
        return nodes.stream().map(url -> new OidcTestClient(url, BenchKeycloak.DEMO_REALM, BenchKeycloak.SPA, BenchKeycloak.SPA_REDIRECT))
                .toList();
    }

    private void remember(TokenResponse response) {
        for (String name : List.of("access_token", "refresh_token", "id_token")) {
            if (response.body().get(name) instanceof String token && token.lastIndexOf('.') > 0) {
                signatures.add(token.substring(token.lastIndexOf('.') + 1));
            }
        }
    }

    private void think(Random random) throws InterruptedException {
        long min = settings.thinkMin().toMillis();
        long max = settings.thinkMax().toMillis();
        Thread.sleep(min + (max > min ? random.nextLong(max - min) : 0));
    }

    /** A request that could not be sent or answered: a moment before the same token goes again. */
    private static void shortPause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
