package io.sundial.store.service;

import io.sundial.store.ChangeResult;
import io.sundial.store.log.DurableFiles;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random runs of the timer service (store, loader, wheel, lanes) against a model, on the manual clock: appends due
 * now, soon or already past, cancels, reschedules (earlier and later), deliveries that are retried or parked and
 * later released, a topic paused and resumed, restarts, restarts on an index rebuilt from the log. Every hand-off
 * to the dispatcher is checked as it happens: never after a cancel, never while its topic is paused or it is
 * parked, and, the clock walked a millisecond at a time, at the very millisecond the model says (its due time, or
 * when it became eligible again if that is later; after a retry, whose backoff has jitter, or in the burst a
 * resume, restart or rebuild lets go, not before its due time). At the end every timer not cancelled has been
 * delivered exactly once, rebuilds or not (the ledger of delivered timers, decision 0050).
 */
@Tag("slow")
class SchedulerModelTest {
    private static final int OPERATIONS = 600;
    private static final String[] TOPICS = {"A", "B", "C"};
    /** The topic that gets paused and resumed. */
    private static final String PAUSABLE = "B";
    private static final long MAX_BACKOFF_MS = 200;
    /** After a lane's backoff, the timers due meanwhile come back from the store at the next load (every 10 ms). */
    private static final long RELOAD_SLACK_MS = 50;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(T0);
    private final Map<String, Timer> timers = new LinkedHashMap<>();
    private final Deque<String> history = new ArrayDeque<>();
    private SplittableRandom random;
    private ServiceHarness h;
    private boolean paused;
    /** At the end every hand-off is answered "delivered". */
    private boolean draining;
    private int nextKey;
    private int retries;
    private int parks;
    private int restarts;
    private int rebuilds;
    /** Hand-overs checked to the millisecond. */
    private int exact;
    /** Per topic: the retried timers still backing off, and the intervals during which they held the lane. */
    private final Map<String, Set<String>> backingOff = new HashMap<>();
    private final Map<String, List<long[]>> heldLanes = new HashMap<>();

    private static final class Timer {
        final String topic;
        long seq;
        long dueMs;
        /** When it last became eligible: appended, rescheduled, released, its topic resumed, Sundial restarted. */
        long since;
        /**
         * Its hand-over time is not exact: it was retried (a backoff with jitter), or it was already due when a
         * resume, restart or rebuild let a burst go (a lane hands a burst over a batch at a time).
         */
        boolean inexact;
        boolean cancelled;
        boolean parked;
        int deliveries;

        Timer(String topic, long dueMs, long since) {
            this.topic = topic;
            this.dueMs = dueMs;
            this.since = since;
        }

        /** When the wheel must hand it over, walking the clock a millisecond at a time: not before, not after. */
        long expectedAt() {
            return Math.max(dueMs, since);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void shouldNeverHandOverEarlyCancelledPausedOrParkedAndDeliverEveryOtherTimerOnce(long seed) throws Exception {
        random = new SplittableRandom(seed);
        for (String topic : TOPICS) {
            backingOff.put(topic, new HashSet<>());
            heldLanes.put(topic, new ArrayList<>());
        }
        h = start();
        try {
            for (int i = 0; i < OPERATIONS; i++) {
                step();
            }
            drain();
        } finally {
            h.close();
        }
        for (Map.Entry<String, Timer> e : timers.entrySet()) {
            Timer t = e.getValue();
            assertEquals(t.cancelled ? 0 : 1, t.deliveries, failure(e.getKey()
                    + (t.cancelled ? " (cancelled)" : "") + " delivered"));
        }
        System.out.println("seed " + seed + ": " + timers.size() + " timers, " + exact + " hand-overs at their"
                + " millisecond, " + retries + " retries, " + parks + " parks, " + restarts + " restarts, " + rebuilds
                + " rebuilds");
    }

    private ServiceHarness start() throws Exception {
        ServiceConfig config = ServiceHarness.config().withRetryBackoffMs(20, MAX_BACKOFF_MS);
        ServiceHarness started = new ServiceHarness(dir, config, clock);
        for (String topic : TOPICS) {
            started.dispatcher.answer(topic, this::handOver);
        }
        return started;
    }

    /** The dispatcher's answer, after checking that this hand-off may happen now. */
    private Outcome handOver(DueTimer due) {
        String key = due.entry().uniqKey();
        Timer t = timers.get(key);
        long now = clock.wallMillis();
        if (t == null || t.cancelled || t.parked || now < t.dueMs || t.deliveries > 0
                || paused && t.topic.equals(PAUSABLE)) {
            fail(failure("handed over at +" + (now - T0) + ": " + key + " " + describe(t)));
        }
        if (!t.inexact && !laneHeldAt(t.topic, t.expectedAt()) && now != t.expectedAt()) {
            fail(failure("handed over at +" + (now - T0) + ", expected at +" + (t.expectedAt() - T0) + ": " + key + " "
                    + describe(t)));
        }
        if (!t.inexact && !laneHeldAt(t.topic, t.expectedAt())) {
            exact++;
        }
        int dice = draining ? 100 : random.nextInt(100);
        backingOff.get(t.topic).remove(key);
        if (dice < 10) {
            retries++;
            t.inexact = true;
            holdLane(t.topic, key);
            did("retry " + key);
            return Outcome.retry("broker busy");
        }
        releaseLane(t.topic);
        if (dice < 13) {
            parks++;
            t.parked = true;
            did("park " + key);
            return Outcome.park("topic gone");
        }
        t.deliveries++;
        did("deliver " + key + " at +" + (now - T0));
        return Outcome.delivered();
    }

    private void step() throws Exception {
        int dice = random.nextInt(1000);
        if (dice < 350) {
            String topic = TOPICS[random.nextInt(TOPICS.length)];
            String key = "k" + nextKey++;
            long due = clock.wallMillis() - 200 + random.nextLong(3_200);
            Timer t = new Timer(topic, due, clock.wallMillis());
            timers.put(key, t); // before the append: a past-due timer may be handed over within it
            t.seq = h.append(topic, key, due);
            did("append " + topic + "/" + key + " due +" + (due - T0));
        } else if (dice < 430) {
            Timer t = any(random.nextInt(4) == 0);
            if (t != null) {
                String key = keyOf(t);
                ChangeResult.Status s = h.store.cancel(t.topic, key).get(10, TimeUnit.SECONDS).status();
                assertEquals(ChangeResult.Status.CHANGED, s, failure("cancel of " + key + " " + describe(t)));
                t.cancelled = true;
                if (backingOff.get(t.topic).remove(key)) {
                    releaseLaneAfter(t.topic, MAX_BACKOFF_MS);
                }
                did("cancel " + key);
            }
        } else if (dice < 510) {
            Timer t = any(false);
            if (t != null && !t.parked) {
                String key = keyOf(t);
                long due = clock.wallMillis() - 100 + random.nextLong(3_100);
                ChangeResult.Status s = h.store.reschedule(t.topic, key, due).get(10, TimeUnit.SECONDS).status();
                assertEquals(ChangeResult.Status.CHANGED, s, failure("reschedule of " + key + " " + describe(t)));
                t.dueMs = due;
                t.since = clock.wallMillis();
                if (backingOff.get(t.topic).remove(key)) {
                    releaseLaneAfter(t.topic, MAX_BACKOFF_MS);
                }
                did("reschedule " + key + " to +" + (due - T0));
            }
        } else if (dice < 540) {
            Timer t = any(true);
            if (t != null) {
                t.parked = false; // before: a released timer already due is handed over within the release
                t.since = clock.wallMillis();
                assertEquals(1, h.store.release(t.topic, t.seq).size(), failure("release of " + keyOf(t)));
                did("release " + keyOf(t));
            }
        } else if (dice < 560) {
            paused = !paused;
            if (paused) { // what TimerService.pause and resume do, on the harness's scheduler
                h.store.pause(PAUSABLE);
                h.scheduler.pause(PAUSABLE, true);
            } else {
                h.store.resume(PAUSABLE);
                eligibleAgain(PAUSABLE);
                h.scheduler.pause(PAUSABLE, false);
            }
            did(paused ? "pause" : "resume");
        } else if (dice < 575) {
            h.close();
            eligibleAgain(null);
            h = start();
            restarts++;
            did("restart");
        } else if (dice < 580) {
            rebuild();
        } else {
            long to = clock.wallMillis() + 1 + random.nextInt(40);
            h.walkTo(to);
        }
        h.settle();
    }

    /**
     * Restarts on an index rebuilt from the log (the harness never reclaims space, so every record is there): a
     * parked timer is pending again; a delivery, a cancel and a reschedule hold, and so does the pause (decisions
     * 0049, 0050).
     */
    private void rebuild() throws Exception {
        h.close();
        DurableFiles.deleteTree(dir.resolve("index"));
        eligibleAgain(null);
        for (Timer t : timers.values()) {
            t.parked = false;
        }
        h = start();
        rebuilds++;
        did("rebuild");
    }

    /** Resumes, releases and delivers everything: afterwards nothing is pending. */
    private void drain() throws Exception {
        draining = true;
        if (paused) {
            paused = false;
            h.store.resume(PAUSABLE);
            eligibleAgain(PAUSABLE);
            h.scheduler.pause(PAUSABLE, false);
        }
        for (Timer t : timers.values()) {
            if (t.parked && !t.cancelled) {
                t.parked = false;
                t.since = clock.wallMillis();
                h.store.release(t.topic, t.seq);
            }
        }
        long last = timers.values().stream().mapToLong(t -> t.dueMs).max().orElse(clock.wallMillis());
        h.walkTo(Math.max(last, clock.wallMillis()) + 1_000);
        assertEquals(0, h.store.pendingCount(), failure("pending after the drain"));
    }

    /**
     * A retried timer holds its lane (one per topic here: every timer is on queue 1) until its backoff ends: the
     * lane keeps its due order, so timers due meanwhile go after it. Their hand-over time is then not exact.
     */
    private void holdLane(String topic, String key) {
        List<long[]> held = heldLanes.get(topic);
        if (held.isEmpty() || held.get(held.size() - 1)[1] != Long.MAX_VALUE) {
            held.add(new long[] {clock.wallMillis(), Long.MAX_VALUE});
        }
        backingOff.get(topic).add(key);
    }

    private void releaseLane(String topic) {
        releaseLaneAfter(topic, 0);
    }

    private void releaseLaneAfter(String topic, long ms) {
        List<long[]> held = heldLanes.get(topic);
        if (backingOff.get(topic).isEmpty() && !held.isEmpty() && held.get(held.size() - 1)[1] == Long.MAX_VALUE) {
            held.get(held.size() - 1)[1] = clock.wallMillis() + ms;
        }
    }

    /** Whether the lane of {@code topic} was held at {@code atMs}, or had been until just before (a reload). */
    private boolean laneHeldAt(String topic, long atMs) {
        for (long[] held : heldLanes.get(topic)) {
            if (atMs >= held[0] && (held[1] == Long.MAX_VALUE || atMs <= held[1] + RELOAD_SLACK_MS)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Timers of {@code topic} (every topic's if null) may be handed over from now on, if due. Those already due go
     * together, a lane's batch at a time: their hand-over is not checked to the millisecond.
     */
    private void eligibleAgain(String topic) {
        long now = clock.wallMillis();
        for (Timer t : timers.values()) {
            if (topic == null || t.topic.equals(topic)) {
                t.since = Math.max(t.since, now);
                t.inexact |= t.dueMs <= now;
            }
        }
    }

    private Timer any(boolean parked) {
        List<Timer> candidates = new ArrayList<>();
        for (Timer t : timers.values()) {
            if (!t.cancelled && t.deliveries == 0 && t.parked == parked) {
                candidates.add(t);
            }
        }
        return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
    }

    private String keyOf(Timer t) {
        for (Map.Entry<String, Timer> e : timers.entrySet()) {
            if (e.getValue() == t) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("not a timer of this run");
    }

    private static String describe(Timer t) {
        return t == null ? "(unknown)" : "(" + t.topic + ", due +" + (t.dueMs - T0) + (t.cancelled ? ", cancelled" : "")
                + (t.parked ? ", parked" : "") + ", delivered " + t.deliveries + " times)";
    }

    private String failure(String what) {
        return what + "; last operations: " + String.join("; ", history);
    }

    private void did(String what) {
        history.addLast(what);
        if (history.size() > 30) {
            history.removeFirst();
        }
    }
}
