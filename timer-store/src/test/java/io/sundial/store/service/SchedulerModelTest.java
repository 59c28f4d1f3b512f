package io.sundial.store.service;

import io.sundial.store.ChangeResult;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random runs of the timer service (store, loader, wheel, lanes) against a model, on the manual clock: appends due
 * now, soon or already past, cancels, reschedules (earlier and later), deliveries that are retried or parked and
 * later released, a topic paused and resumed, restarts. Every hand-off to the dispatcher is checked as it happens:
 * never before the timer's current due time, never after a cancel, never while its topic is paused or it is parked.
 * At the end every timer not cancelled has been delivered exactly once.
 */
@Tag("slow")
class SchedulerModelTest {
    private static final int OPERATIONS = 600;
    private static final String[] TOPICS = {"A", "B", "C"};
    /** The topic that gets paused and resumed. */
    private static final String PAUSABLE = "B";

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

    private static final class Timer {
        final String topic;
        long seq;
        long dueMs;
        boolean cancelled;
        boolean parked;
        int deliveries;

        Timer(String topic, long dueMs) {
            this.topic = topic;
            this.dueMs = dueMs;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void shouldNeverHandOverEarlyCancelledPausedOrParkedAndDeliverEveryOtherTimerOnce(long seed) throws Exception {
        random = new SplittableRandom(seed);
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
            assertEquals(t.cancelled ? 0 : 1, t.deliveries, failure(e.getKey() + (t.cancelled ? " (cancelled)" : "")
                    + " delivered"));
        }
        System.out.println("seed " + seed + ": " + timers.size() + " timers, " + retries + " retries, " + parks
                + " parks, " + restarts + " restarts");
    }

    private ServiceHarness start() throws Exception {
        ServiceHarness started = new ServiceHarness(dir, ServiceHarness.config().withRetryBackoffMs(20, 200), clock);
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
        int dice = draining ? 100 : random.nextInt(100);
        if (dice < 10) {
            retries++;
            did("retry " + key);
            return Outcome.retry("broker busy");
        }
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
            Timer t = new Timer(topic, due);
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
                did("reschedule " + key + " to +" + (due - T0));
            }
        } else if (dice < 540) {
            Timer t = any(true);
            if (t != null) {
                t.parked = false; // before: a released timer already due is handed over within the release
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
                h.scheduler.pause(PAUSABLE, false);
            }
            did(paused ? "pause" : "resume");
        } else if (dice < 575) {
            h.close();
            h = start();
            restarts++;
            did("restart");
        } else {
            long to = clock.wallMillis() + 1 + random.nextInt(40);
            h.walkTo(to);
        }
        h.settle();
    }

    /** Resumes, releases and delivers everything: afterwards nothing is pending. */
    private void drain() throws Exception {
        draining = true;
        if (paused) {
            paused = false;
            h.store.resume(PAUSABLE);
            h.scheduler.pause(PAUSABLE, false);
        }
        for (Timer t : timers.values()) {
            if (t.parked && !t.cancelled) {
                t.parked = false;
                h.store.release(t.topic, t.seq);
            }
        }
        long last = timers.values().stream().mapToLong(t -> t.dueMs).max().orElse(clock.wallMillis());
        h.walkTo(Math.max(last, clock.wallMillis()) + 1_000);
        assertEquals(0, h.store.pendingCount(), failure("pending after the drain"));
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
