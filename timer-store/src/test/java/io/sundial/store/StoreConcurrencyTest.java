package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.log.DurableFiles;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.sundial.store.StoreFixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link StoreModelTest}'s model, with the store's writers racing: three producers (each with keys of its own)
 * append, retry, cancel and reschedule while a deliverer acknowledges the earliest timers through a
 * {@link DeliverySession} and space reclaim compacts and deletes segments in a loop. Each answer says what happened
 * (a cancel that came too late, an acknowledgement of a timer rescheduled meanwhile); afterwards the store, reopened
 * and then rebuilt from its log, must hold exactly what the answers add up to. Slow: about 2 s a run.
 */
@Tag("slow")
class StoreConcurrencyTest {
    private static final int PRODUCERS = 3;
    private static final int OPERATIONS = 1000;

    @TempDir
    Path dir;

    private final ManualClock clock = StoreFixture.clock();
    /** Every key's timer as its producer's answers left it. */
    private final Map<String, Owned> timers = new ConcurrentHashMap<>();
    /** Keys whose timer the deliverer acknowledged. */
    private final Set<String> delivered = ConcurrentHashMap.newKeySet();
    private volatile TimerStore store;
    private final long[] reclaimed = new long[2]; // segments deleted, compacted: the race must have covered them

    private static final class Owned {
        final TimerMessage message;
        final long seq;
        volatile long dueMs;
        volatile boolean cancelled;

        Owned(TimerMessage message, long seq, long dueMs) {
            this.message = message;
            this.seq = seq;
            this.dueMs = dueMs;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void shouldHoldWhatTheAnswersAddUpToWhenWritesDeliveriesAndReclaimRace(long seed) throws Exception {
        store = TimerStore.open(StoreFixture.config(dir), clock);
        AtomicBoolean producing = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(PRODUCERS + 2);
        try {
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                SplittableRandom random = new SplittableRandom(seed * 31 + p);
                String prefix = "p" + p + "-";
                producers.add(threads.submit(() -> {
                    produce(random, prefix);
                    return null;
                }));
            }
            Future<?> deliverer = threads.submit(() -> {
                deliver(producing);
                return null;
            });
            Future<?> reclaimer = threads.submit(() -> {
                while (producing.get()) {
                    ReclaimReport r = store.reclaimSpace();
                    reclaimed[0] += r.deletedSegments();
                    reclaimed[1] += r.compactedSegments();
                    Thread.sleep(5);
                }
                return null;
            });
            for (Future<?> f : producers) {
                f.get(5, TimeUnit.MINUTES);
            }
            producing.set(false);
            deliverer.get(1, TimeUnit.MINUTES);
            reclaimer.get(1, TimeUnit.MINUTES);
        } finally {
            threads.shutdownNow();
        }
        long cancelled = timers.values().stream().filter(t -> t.cancelled).count();
        assertTrue(reclaimed[0] > 0 && reclaimed[1] > 0 && cancelled > 0 && !delivered.isEmpty(),
                "deleted " + reclaimed[0] + " segments, compacted " + reclaimed[1] + ", cancelled " + cancelled
                        + ", delivered " + delivered.size());
        System.out.println("seed " + seed + ": deleted " + reclaimed[0] + " segments, compacted " + reclaimed[1]
                + ", cancelled " + cancelled + ", delivered " + delivered.size() + " of " + timers.size());
        check("after the race");
        store.close();
        store = TimerStore.open(StoreFixture.config(dir), clock);
        check("after a restart");
        store.close();
        DurableFiles.deleteTree(dir.resolve("index"));
        store = TimerStore.open(StoreFixture.config(dir), clock);
        try {
            for (String key : delivered) { // their records still in the log: delivered again (at least once)
                for (DueEntry e : store.findByUniqKey(timers.get(key).message.topic(), key)) {
                    assertTrue(store.ack(e.dueMs(), e.seq()));
                }
            }
            check("after the index was rebuilt from the log");
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE)) {
                assertTrue(store.ack(e.dueMs(), e.seq()));
            }
            store.reclaimSpace();
            assertEquals(1, store.stats().segments(), "the drained log shrinks to its active segment");
        } finally {
            store.close();
        }
    }

    private void produce(SplittableRandom random, String prefix) throws Exception {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < OPERATIONS; i++) {
            int dice = random.nextInt(100);
            String key = mine.isEmpty() ? null : mine.get(random.nextInt(mine.size()));
            Owned t = key == null ? null : timers.get(key);
            if (dice < 50 || t == null) {
                key = prefix + i;
                TimerMessage m = TestMessages.sized("T", key, 4096 + random.nextInt(30_000));
                long due = T0 + random.nextLong(TimeUnit.HOURS.toMillis(1));
                AppendResult r = store.append(m, due).get(10, TimeUnit.SECONDS);
                assertTrue(!r.duplicate(), key);
                timers.put(key, new Owned(m, r.seq(), due));
                mine.add(key);
            } else if (dice < 55) {
                AppendResult r = store.append(t.message, t.dueMs).get(10, TimeUnit.SECONDS);
                assertTrue(r.duplicate() && r.seq() == t.seq, key + " retried: " + r);
            } else if (dice < 75) {
                ChangeResult.Status s = store.cancel("T", key).get(10, TimeUnit.SECONDS).status();
                if (s == ChangeResult.Status.CHANGED) {
                    t.cancelled = true;
                    mine.remove(key);
                } else if (s == ChangeResult.Status.ALREADY_DELIVERED) {
                    mine.remove(key);
                } else if (s != ChangeResult.Status.TOO_LATE) {
                    fail("cancel of " + key + ": " + s);
                }
            } else {
                long due = T0 + random.nextLong(TimeUnit.HOURS.toMillis(1));
                ChangeResult.Status s = store.reschedule("T", key, due).get(10, TimeUnit.SECONDS).status();
                if (s == ChangeResult.Status.CHANGED) {
                    t.dueMs = due;
                } else if (s == ChangeResult.Status.ALREADY_DELIVERED) {
                    mine.remove(key);
                } else if (s != ChangeResult.Status.TOO_LATE) {
                    fail("reschedule of " + key + ": " + s);
                }
            }
        }
    }

    /** Acknowledges the earliest pending timers one by one, as the timer service does, until producing ends. */
    private void deliver(AtomicBoolean producing) throws InterruptedException {
        try (DeliverySession session = store.deliverySession()) {
            while (producing.get()) {
                List<TimerId> ids = store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 8).stream()
                        .map(TimerId::of).toList();
                List<DueEntry> inFlight = session.begin(ids);
                for (DueEntry e : inFlight) {
                    if (e != null && session.ack(List.of(e)) == 1) {
                        assertTrue(delivered.add(e.uniqKey()), e.uniqKey() + " delivered once");
                    }
                }
                Thread.sleep(3);
            }
        }
    }

    private void check(String when) throws Exception {
        long pending = 0;
        for (Map.Entry<String, Owned> entry : timers.entrySet()) {
            String key = entry.getKey();
            Owned t = entry.getValue();
            List<DueEntry> found = store.findByUniqKey("T", key);
            if (t.cancelled && delivered.contains(key)) {
                fail(key + " was both cancelled and delivered");
            }
            if (t.cancelled || delivered.contains(key)) {
                assertTrue(found.isEmpty(), key + (t.cancelled ? " (cancelled)" : " (delivered)") + " is pending "
                        + when + ": " + found);
                continue;
            }
            pending++;
            assertEquals(1, found.size(), key + " pending once " + when);
            assertEquals(t.seq, found.get(0).seq(), key + "'s sequence " + when);
            assertEquals(t.dueMs, found.get(0).dueMs(), key + "'s due time " + when);
            assertEquals(t.message, store.read(found.get(0)).message(), key + "'s message " + when);
        }
        assertEquals(pending, store.pendingCount(), "pending " + when);
    }
}
