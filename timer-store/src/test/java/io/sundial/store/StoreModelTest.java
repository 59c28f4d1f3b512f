package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.ParkedTimer;
import io.sundial.store.log.DurableFiles;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.sundial.store.StoreFixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random runs of every write, parking, pausing, compaction, restart, index rebuild and backup against a model of
 * what the store must hold: each pending timer at its last due time with its message, each parked one parked, each
 * cancelled one gone for good, the paused topics paused. An index rebuilt from the log brings back a parked timer as
 * pending, never a cancelled or delivered one (decision 0050). At the end, everything delivered, the log must shrink
 * to its active segment: nothing keeps a segment for ever. Slow (about 45 s for its six seeds): each restart opens
 * RocksDB.
 */
@Tag("slow")
class StoreModelTest {
    private static final int OPERATIONS = 500;
    private static final String[] TOPICS = {"Orders", "Refunds", "Mail"};

    @TempDir
    Path dir;
    @TempDir
    Path backups;

    private final ManualClock clock = StoreFixture.clock();
    private final Map<String, ModelTimer> model = new LinkedHashMap<>();
    /** The last operations, for the failure message: a seed and a history make a failure reproducible. */
    private final Deque<String> history = new ArrayDeque<>();
    private SplittableRandom random;
    private TimerStore store;
    private int nextKey;
    private long lastSeq;
    private final Set<String> paused = new TreeSet<>();
    private int backupsTaken;
    private int rebuilds;
    /** Records of delivered timers the rebuilds left out. */
    private long skippedDelivered;

    private enum State { PENDING, PARKED, CANCELLED, DELIVERED }

    private static final class ModelTimer {
        final String key;
        final TimerMessage message;
        final long seq;
        long dueMs;
        State state = State.PENDING;

        ModelTimer(String key, TimerMessage message, long seq, long dueMs) {
            this.key = key;
            this.message = message;
            this.seq = seq;
            this.dueMs = dueMs;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void shouldHoldWhatTheModelHoldsThroughCompactionRestartsRebuildsAndBackups(long seed) throws Exception {
        random = new SplittableRandom(seed);
        store = open();
        try {
            for (int i = 0; i < OPERATIONS; i++) {
                step(seed, i);
            }
            drainAndReclaim(seed);
        } finally {
            store.close();
        }
        assertTrue(rebuilds > 0 && backupsTaken > 0 && skippedDelivered > 0, "seed " + seed + " rebuilt " + rebuilds
                + " times (leaving out " + skippedDelivered + " records of delivered timers) and backed up "
                + backupsTaken + " times");
    }

    private TimerStore open() throws Exception {
        return TimerStore.open(StoreFixture.config(dir), clock);
    }

    private void step(long seed, int i) throws Exception {
        int dice = random.nextInt(100);
        if (dice < 40) {
            append();
        } else if (dice < 45) {
            retry();
        } else if (dice < 55) {
            cancel();
        } else if (dice < 63) {
            reschedule();
        } else if (dice < 76) {
            deliver();
        } else if (dice < 78) {
            park();
        } else if (dice < 80) {
            release();
        } else if (dice < 88) {
            did("reclaim " + store.reclaimSpace());
        } else if (dice < 92) {
            store.close();
            store = open();
            did("reopen");
            check(seed, "after reopen at step " + i);
        } else if (dice < 96) {
            rebuild(seed, i);
        } else if (dice < 98) {
            backup(seed, i);
        } else if (dice < 99) {
            String topic = TOPICS[random.nextInt(TOPICS.length)];
            if (paused.remove(topic)) {
                store.resume(topic);
                did("resume " + topic);
            } else {
                store.pause(topic);
                paused.add(topic);
                did("pause " + topic);
            }
        } else {
            clock.advance(store.config().dedupRetentionMs() + 1); // tombstones expire at the next reclaim
            did("clock past the retry window");
        }
        clock.advance(1000);
    }

    private void append() throws Exception {
        String topic = TOPICS[random.nextInt(TOPICS.length)];
        String key = "k" + nextKey++;
        TimerMessage m = TestMessages.sized(topic, key, 4096 + random.nextInt(60_000));
        long due = T0 + random.nextLong(TimeUnit.HOURS.toMillis(10));
        AppendResult r = store.append(m, due).get(10, TimeUnit.SECONDS);
        assertTrue(!r.duplicate(), key + " is new");
        assertTrue(r.seq() > lastSeq, key + "'s sequence " + r.seq() + " comes after " + lastSeq + ", rebuilds or not");
        lastSeq = r.seq();
        model.put(key, new ModelTimer(key, m, r.seq(), due));
        did("append " + topic + "/" + key + " seq " + r.seq() + " due +" + (due - T0));
    }

    private void retry() throws Exception {
        ModelTimer t = anyPending();
        if (t != null) {
            AppendResult r = store.append(t.message, t.dueMs).get(10, TimeUnit.SECONDS);
            assertTrue(r.duplicate(), uniqKey(t) + " retried is recognised");
            assertEquals(t.seq, r.seq(), uniqKey(t) + " retried answers the first copy");
            did("retry " + uniqKey(t));
        }
    }

    private void cancel() throws Exception {
        ModelTimer t = random.nextInt(4) == 0 ? any(State.PARKED) : anyPending();
        if (t != null) {
            ChangeResult r = store.cancel(t.message.topic(), uniqKey(t)).get(10, TimeUnit.SECONDS);
            assertEquals(ChangeResult.Status.CHANGED, r.status(), "cancel of " + uniqKey(t));
            t.state = State.CANCELLED;
            did("cancel " + uniqKey(t));
        }
    }

    private void reschedule() throws Exception {
        ModelTimer t = anyPending();
        if (t != null) {
            long due = T0 + random.nextLong(TimeUnit.HOURS.toMillis(10));
            ChangeResult r = store.reschedule(t.message.topic(), uniqKey(t), due).get(10, TimeUnit.SECONDS);
            assertEquals(ChangeResult.Status.CHANGED, r.status(), "reschedule of " + uniqKey(t));
            t.dueMs = due;
            did("reschedule " + uniqKey(t) + " to +" + (due - T0));
        }
    }

    /** A delivery that failed for good: the timer is held back until released or cancelled. */
    private void park() {
        ModelTimer t = anyPending();
        if (t != null) {
            DueEntry e = store.findByUniqKey(t.message.topic(), t.key).get(0);
            try (DeliverySession session = store.deliverySession()) {
                assertTrue(session.park(session.begin(List.of(TimerId.of(e))).get(0), "topic gone"));
            }
            t.state = State.PARKED;
            did("park " + t.key);
        }
    }

    private void release() {
        ModelTimer t = any(State.PARKED);
        if (t != null) {
            assertEquals(1, store.release(t.message.topic(), t.seq).size(), "release of " + t.key);
            t.state = State.PENDING;
            did("release " + t.key);
        }
    }

    /** Acknowledges the earliest due timers, as the timer service would, or one picked at random. */
    private void deliver() {
        ModelTimer picked = anyPending();
        List<DueEntry> due = random.nextBoolean() || picked == null
                ? store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 3)
                : store.findByUniqKey(picked.message.topic(), picked.key);
        for (DueEntry e : due) {
            ModelTimer t = model.get(e.uniqKey());
            assertTrue(store.ack(e.dueMs(), e.seq()), e.uniqKey() + " acknowledged");
            t.state = State.DELIVERED;
            did("deliver " + e.uniqKey());
        }
    }

    private void rebuild(long seed, int i) throws Exception {
        store.close();
        DurableFiles.deleteTree(dir.resolve("index"));
        store = open();
        rebuilds++;
        did("rebuild");
        // Parking is not in the log: a parked timer is pending again, to be delivered (and maybe parked) again.
        // Delivered timers stay delivered: the ledger of delivered timers names them (decision 0050).
        for (ModelTimer t : model.values()) {
            if (t.state == State.PARKED) {
                t.state = State.PENDING;
            }
            if (t.state == State.DELIVERED) {
                assertEquals(List.of(), store.findByUniqKey(t.message.topic(), uniqKey(t)),
                        failure(seed, t.key + ", delivered, came back in the index rebuilt at step " + i));
            }
        }
        skippedDelivered += store.recoveryReport().skippedDelivered();
        check(seed, "after the index was rebuilt at step " + i);
    }

    private void backup(long seed, int i) throws Exception {
        Path target = backups.resolve("backup-" + backupsTaken++);
        BackupReport report = store.backup(target);
        did("backup " + report.pending() + " pending");
        TimerStore live = store;
        try (TimerStore copy = TimerStore.open(StoreFixture.config(target), clock)) {
            store = copy;
            check(seed, "in the backup taken at step " + i);
        } finally {
            store = live;
        }
    }

    /** Everything pending is delivered; then reclaiming must leave the active segment alone. */
    private void drainAndReclaim(long seed) throws Exception {
        for (ModelTimer t : model.values()) {
            if (t.state == State.PARKED) {
                store.release(t.message.topic(), t.seq);
            }
        }
        List<DueEntry> left;
        while (!(left = store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 100)).isEmpty()) {
            for (DueEntry e : left) {
                assertTrue(store.ack(e.dueMs(), e.seq()));
                model.get(e.uniqKey()).state = State.DELIVERED;
            }
        }
        check(seed, "after every timer was delivered");
        store.reclaimSpace();
        store.reclaimSpace();
        assertEquals(1, store.stats().segments(), failure(seed, "the log shrinks to its active segment once nothing"
                + " is pending"));
    }

    private void check(long seed, String when) throws Exception {
        long pending = 0;
        for (Map.Entry<String, ModelTimer> entry : model.entrySet()) {
            ModelTimer t = entry.getValue();
            List<DueEntry> found = store.findByUniqKey(t.message.topic(), entry.getKey());
            ParkedTimer parked = store.parkedTimer(t.message.topic(), t.seq);
            if (t.state == State.PARKED) {
                pending++; // counted as pending, held back from the due index
                if (parked == null || !found.isEmpty()) {
                    fail(failure(seed, entry.getKey() + " is parked " + when + ", found " + parked + " and " + found));
                }
                assertEquals(t.dueMs, parked.entry().dueMs(), failure(seed, entry.getKey() + "'s due time " + when));
                assertEquals(t.message, store.read(parked.entry()).message(),
                        failure(seed, entry.getKey() + "'s message " + when));
                continue;
            }
            if (parked != null) {
                fail(failure(seed, entry.getKey() + " (" + t.state + ") is parked " + when));
            }
            if (t.state != State.PENDING) {
                if (!found.isEmpty()) {
                    fail(failure(seed, entry.getKey() + " (" + t.state + ") is pending " + when + ": " + found));
                }
                continue;
            }
            pending++;
            if (found.size() != 1) {
                fail(failure(seed, entry.getKey() + " is pending once " + when + ", found " + found));
            }
            DueEntry e = found.get(0);
            assertEquals(t.seq, e.seq(), failure(seed, entry.getKey() + "'s sequence " + when));
            assertEquals(t.dueMs, e.dueMs(), failure(seed, entry.getKey() + "'s due time " + when));
            assertEquals(t.message, store.read(e).message(), failure(seed, entry.getKey() + "'s message " + when));
        }
        assertEquals(pending, store.pendingCount(), failure(seed, "pending count " + when));
        assertEquals(paused, new TreeSet<>(store.pausedTopics().keySet()),
                failure(seed, "paused topics " + when));
    }

    private String failure(long seed, String what) {
        return what + " (seed " + seed + ", " + rebuilds + " rebuilds, " + skippedDelivered
                + " records of delivered timers left out by them; last operations: " + String.join("; ", history) + ")";
    }

    private void did(String what) {
        history.addLast(what);
        if (history.size() > 40) {
            history.removeFirst();
        }
    }

    private ModelTimer anyPending() {
        return any(State.PENDING);
    }

    private ModelTimer any(State state) {
        List<ModelTimer> in = new ArrayList<>();
        for (ModelTimer t : model.values()) {
            if (t.state == state) {
                in.add(t);
            }
        }
        return in.isEmpty() ? null : in.get(random.nextInt(in.size()));
    }

    private static String uniqKey(ModelTimer t) {
        return t.key;
    }
}
