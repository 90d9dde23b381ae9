package dev.silentrefresh.demo.browser;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.CDPSession;

/**
 * The token owner's SharedWorker as DevTools sees it. Playwright neither reports a SharedWorker nor applies its clock or
 * offline emulation to one (checked with Playwright 1.62 and Chromium 156: {@code BrowserContext.clock()} changes the pages'
 * {@code Date} only, {@code setOffline(true)} flips {@code navigator.onLine} in the worker but its {@code fetch} still
 * reaches the network and no {@code offline} event fires there). So the tests reach the worker's own DevTools target:
 *
 * <ul>
 *     <li>{@link #setOffline(boolean)}: {@code Network.emulateNetworkConditions} on the worker target (its requests then
 *     fail with {@code net::ERR_INTERNET_DISCONNECTED} before leaving the machine), plus the {@code offline}/{@code online}
 *     event a real worker receives;</li>
 *     <li>{@link #installDeviceConditions()}: {@code device-conditions.js} for a wall clock that is off and for a suspend
 *     (the monotonic clock stops, the wall clock runs on, timers fire on resume);</li>
 *     <li>{@link #kill()}: {@code Target.closeTarget}, as when a phone's browser kills a worker; the pages are not told.</li>
 * </ul>
 *
 * <p>The session is attached in DevTools' non-flattened mode (messages to the worker wrapped in
 * {@code Target.sendMessageToTarget}), the only mode Playwright's {@link CDPSession} can address.
 */
final class OwnerWorker implements AutoCloseable {

    static final String SCRIPT_PATH = "/js/demo-owner-worker.js";

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    private static final String DEVICE_CONDITIONS = resource("/browser/device-conditions.js");

    private final CDPSession browserSession;
    private final String targetId;
    private final String sessionId;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, JsonObject> answers = new ConcurrentHashMap<>();

    private OwnerWorker(CDPSession browserSession, String targetId) {
        this.browserSession = browserSession;
        this.targetId = targetId;
        JsonObject attach = new JsonObject();
        attach.addProperty("targetId", targetId);
        attach.addProperty("flatten", false);
        this.sessionId = browserSession.send("Target.attachToTarget", attach).get("sessionId").getAsString();
        browserSession.on("Target.receivedMessageFromTarget", event -> {
            if (!this.sessionId.equals(event.get("sessionId").getAsString())) {
                return;
            }
            JsonObject message = JsonParser.parseString(event.get("message").getAsString()).getAsJsonObject();
            if (message.has("id")) {
                this.answers.put(message.get("id").getAsInt(), message);
            }
        });
    }

    /**
     * The owner worker of the browser context that {@code tab} belongs to (there is one per context and client).
     *
     * @throws AssertionError when the context has no such worker
     */
    static OwnerWorker of(Browser browser, DemoPage tab) {
        String contextId = tab.page().context().newCDPSession(tab.page()).send("Target.getTargetInfo")
                .getAsJsonObject("targetInfo").get("browserContextId").getAsString();
        CDPSession session = browser.newBrowserCDPSession();
        for (JsonElement element : session.send("Target.getTargets").getAsJsonArray("targetInfos")) {
            JsonObject target = element.getAsJsonObject();
            if ("shared_worker".equals(target.get("type").getAsString()) && target.get("url").getAsString().endsWith(SCRIPT_PATH)
                    && contextId.equals(target.get("browserContextId").getAsString())) {
                return new OwnerWorker(session, target.get("targetId").getAsString());
            }
        }
        session.detach();
        throw new AssertionError("the browser context has no token-owner SharedWorker");
    }

    /** Installs device-conditions.js in the worker (once; later calls do nothing). */
    OwnerWorker installDeviceConditions() {
        evaluate(DEVICE_CONDITIONS);
        return this;
    }

    /** Moves the worker's wall clock ({@code Date.now()}) by {@code offset}; its monotonic clock is untouched. */
    void skewWallClock(Duration offset) {
        evaluate("globalThis.__device.skewWallClock(" + offset.toMillis() + ")");
    }

    /** The device goes to sleep (lid closed): the monotonic clock stops, timers wait, the wall clock runs on. */
    void suspend() {
        evaluate("globalThis.__device.suspend()");
    }

    /** The device wakes up: the monotonic clock goes on from where it stopped, timers that came due fire. */
    void resume() {
        evaluate("globalThis.__device.resume()");
    }

    /** Cuts the worker off the network (or reconnects it), and tells it as a device does. */
    void setOffline(boolean offline) {
        JsonObject conditions = new JsonObject();
        conditions.addProperty("offline", offline);
        conditions.addProperty("latency", 0);
        conditions.addProperty("downloadThroughput", -1);
        conditions.addProperty("uploadThroughput", -1);
        command("Network.enable", new JsonObject());
        command("Network.emulateNetworkConditions", conditions);
        evaluate("globalThis.dispatchEvent(new Event('" + (offline ? "offline" : "online") + "'))");
    }

    /** Kills the worker, as a browser under memory pressure does; its pages get no event. */
    void kill() {
        JsonObject target = new JsonObject();
        target.addProperty("targetId", this.targetId);
        this.browserSession.send("Target.closeTarget", target);
    }

    /**
     * Evaluates a JavaScript expression in the worker (promises awaited) and returns its value as JSON (null for
     * undefined).
     */
    Object evaluate(String expression) {
        JsonObject params = new JsonObject();
        params.addProperty("expression", expression);
        params.addProperty("returnByValue", true);
        params.addProperty("awaitPromise", true);
        JsonObject result = command("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new AssertionError("the worker threw: " + result.get("exceptionDetails"));
        }
        JsonObject value = result.getAsJsonObject("result");
        if (!value.has("value")) {
            return null;
        }
        JsonElement json = value.get("value");
        return json.isJsonPrimitive() && json.getAsJsonPrimitive().isBoolean() ? json.getAsBoolean()
                : json.isJsonPrimitive() && json.getAsJsonPrimitive().isNumber() ? json.getAsNumber()
                : json.isJsonPrimitive() ? json.getAsString() : json.toString();
    }

    private JsonObject command(String method, JsonObject params) {
        int id = this.ids.incrementAndGet();
        JsonObject message = new JsonObject();
        message.addProperty("id", id);
        message.addProperty("method", method);
        message.add("params", params);
        JsonObject wrapper = new JsonObject();
        wrapper.addProperty("sessionId", this.sessionId);
        wrapper.addProperty("message", message.toString());
        this.browserSession.send("Target.sendMessageToTarget", wrapper);
        long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
        while (!this.answers.containsKey(id)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the worker did not answer " + method + " within " + ANSWER_TIMEOUT);
            }
            // Playwright hands over DevTools events only while the test calls into it: a cheap call lets the answer in
            this.browserSession.send("Browser.getVersion");
            pause(10);
        }
        JsonObject answer = this.answers.remove(id);
        if (answer.has("error")) {
            throw new AssertionError(method + " failed in the worker: " + answer.get("error"));
        }
        return answer.getAsJsonObject("result");
    }

    @Override
    public void close() {
        try {
            this.browserSession.detach();
        } catch (RuntimeException e) {
            // the browser context (and with it the worker) may be gone already
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String resource(String name) {
        try (InputStream in = OwnerWorker.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(name + " could not be read", e);
        }
    }
}
