package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.ParkedTimer;
import io.sundial.store.log.DurableFiles;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.sundial.store.StoreFixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpaceReclaimTest {
    private static final int BODY = 10_000;

    @TempDir
    Path dir;

    private final ManualClock clock = StoreFixture.clock();

    private TimerStore open() throws Exception {
        return TimerStore.open(StoreFixture.config(dir), clock);
    }

    /** Stores a timer of topic T with {@code uniqKey} and acknowledges it: a tombstone of the key remains. */
    private static void deliver(TimerStore store, String uniqKey) {
        store.append(TestMessages.message("T", uniqKey), T0 + 1).join();
        DueEntry e = store.findByUniqKey("T", uniqKey).get(0);
        store.ack(e.dueMs(), e.seq());
    }

    /** Leaves {@code n} tombstones of keys K0.. and moves the clock past their retention. */
    private void expiredTombstones(TimerStore store, int n) {
        for (int i = 0; i < n; i++) {
            store.append(TestMessages.message("T", "K" + i), T0 + i).join();
        }
        for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, n)) {
            store.ack(e.dueMs(), e.seq());
        }
        clock.advance(store.config().dedupRetentionMs() + n);
    }

    /** Keys K0.. of {@link #expiredTombstones} are new timers again (sampled every 499th). */
    private static void assertForgotten(TimerStore store, int n) {
        for (int i = 0; i < n; i += 499) {
            assertTrue(!store.append(TestMessages.message("T", "K" + i), T0 + 1).join().duplicate(),
                    "K" + i + " forgotten");
        }
    }

    private static void fill(TimerStore store, int n) {
        for (int i = 0; i < n; i++) {
            store.append(TestMessages.sized("T", "m" + i, BODY), T0 + i).join();
        }
    }

    @Test
    void shouldDeleteEmptiedSegmentsAndKeepEveryLiveTimer() throws Exception {
        try (TimerStore store = open()) {
            fill(store, 300);
            int segmentsBefore = store.stats().segments();
            assertTrue(segmentsBefore >= 3);
            List<DueEntry> all = store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000);
            long firstSegmentEnd = 1 << 20;
            int acked = 0;
            for (DueEntry e : all) {
                if (e.position() < firstSegmentEnd) {
                    store.ack(e.dueMs(), e.seq());
                    acked++;
                }
            }
            ReclaimReport report = store.reclaimSpace();
            assertEquals(1, report.deletedSegments());
            assertEquals(0, report.movedRecords());
            assertEquals(segmentsBefore - 1, store.stats().segments());
            assertEquals(300 - acked, store.pendingCount());
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000)) {
                assertEquals(TestMessages.sized("T", e.uniqKey(), BODY), store.read(e).message());
            }
        }
    }

    @Test
    void shouldCompactSparseSegmentsSoThatAFewFarTimersPinNoSegment() throws Exception {
        try (TimerStore store = open()) {
            fill(store, 400);
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000)) {
                if (e.seq() % 40 != 0) {
                    store.ack(e.dueMs(), e.seq()); // keep one in forty: live share 2.5%
                }
            }
            long pending = store.pendingCount();
            long activeBase = (long) (store.stats().segments() - 1) << 20; // 1 MiB segments from position 0
            long inSealed = store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000).stream()
                    .filter(e -> e.position() < activeBase).count();
            ReclaimReport report = store.reclaimSpace();
            assertTrue(report.compactedSegments() >= 3, report.toString());
            assertEquals(inSealed, report.movedRecords(), "every live timer of a sealed segment moved, no other");
            assertTrue(store.stats().segments() <= 2, "segments left: " + store.stats().segments());
            assertEquals(pending, store.pendingCount());
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000)) {
                assertEquals(TestMessages.sized("T", e.uniqKey(), BODY), store.read(e).message());
            }
        }
        try (TimerStore store = open()) {
            assertEquals(0, store.recoveryReport().replayedRecords());
            assertEquals(10, store.pendingCount());
        }
    }

    /**
     * A parked timer is live: it used to stay behind when its sparse segment was compacted, so the segment stayed
     * and was scanned again by every reclaim pass. It moves like a pending one and stays parked.
     */
    @Test
    void shouldMoveAParkedTimerOutOfASparseSegment() throws Exception {
        DueEntry parked;
        try (TimerStore store = open()) {
            fill(store, 300);
            parked = store.findByUniqKey("T", "m5").get(0);
            try (DeliverySession session = store.deliverySession()) {
                DueEntry inFlight = session.begin(List.of(TimerId.of(parked))).get(0);
                assertTrue(session.park(inFlight, "topic gone"));
            }
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000)) {
                if (e.position() < 1 << 20) {
                    store.ack(e.dueMs(), e.seq()); // the first segment holds only the parked timer now
                }
            }
            ReclaimReport first = store.reclaimSpace();
            assertEquals(1, first.movedRecords(), first.toString());
            assertEquals(1, first.deletedSegments(), first.toString());
            ReclaimReport second = store.reclaimSpace();
            assertEquals(0, second.compactedSegments(), "nothing left to compact: " + second);
            ParkedTimer after = store.parkedTimer("T", parked.seq());
            assertEquals("topic gone", after.reason());
            assertTrue(after.entry().position() >= 1 << 20, "moved: " + after.entry());
            assertEquals(TestMessages.sized("T", "m5", BODY), store.read(after.entry()).message());
        }
        try (TimerStore store = open()) {
            assertEquals(1, store.parkedCount());
            DueEntry released = store.release("T", parked.seq()).get(0);
            assertEquals(TestMessages.sized("T", "m5", BODY), store.read(released).message());
        }
    }

    /**
     * A segment full of pending timers, and after it segments each holding one cancel of one of them, the rest
     * delivered. Each cancel keeps its segment while the first one is there (decision 0048), yet the disk is not
     * held: a kept segment is compacted, its cancel copied forward, and it is deleted. The cancels still hold.
     */
    @Test
    void shouldCompactSegmentsKeptOnlyByCancelsAndKeepTheCancels() throws Exception {
        try (TimerStore store = open()) {
            for (int i = 0; i < 100; i++) { // the first segment: pending for hours
                store.append(TestMessages.sized("T", "m" + i, BODY), T0 + 3_600_000 + i).join();
            }
            for (int k = 0; k < 5; k++) {
                store.cancel("T", "m" + k).join();
                for (int i = 0; i < 110; i++) {
                    store.append(TestMessages.sized("T", "gone" + k + "-" + i, BODY), T0 + 1).join();
                }
                for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, T0 + 1, 1000)) {
                    store.ack(e.dueMs(), e.seq());
                }
            }
            int before = store.stats().segments();
            assertTrue(before >= 6, "segments written: " + before);
            ReclaimReport report = store.reclaimSpace();
            assertTrue(store.stats().segments() <= 3, "segments left of " + before + ": " + store.stats().segments()
                    + " (" + report + ")");
            assertTrue(report.compactedSegments() >= 1, "the kept segments were compacted: " + report);
        }
        DurableFiles.deleteTree(dir.resolve("index"));
        try (TimerStore store = open()) {
            for (int k = 0; k < 5; k++) {
                assertTrue(store.findByUniqKey("T", "m" + k).isEmpty(), "m" + k + " stays cancelled");
            }
            for (int i = 5; i < 100; i++) {
                assertEquals(1, store.findByUniqKey("T", "m" + i).size(), "m" + i + " pending");
            }
        }
    }

    /**
     * Only the cancels a rebuild still needs are carried forward: a segment kept by cancels of timers in a
     * long-lived segment, and holding a hundred cancels of timers whose segment is gone (or is itself), copies the
     * few, not the hundred. Otherwise every cancel written while some old segment lived would be copied for ever.
     */
    @Test
    void shouldCopyForwardOnlyTheCancelsStillNeeded() throws Exception {
        try (TimerStore store = open()) {
            for (int i = 0; i < 100; i++) { // the first segment: pending for hours
                store.append(TestMessages.sized("T", "long" + i, BODY), T0 + 3_600_000 + i).join();
            }
            for (int i = 0; i < 100; i++) { // the second: short timers, to be cancelled
                store.append(TestMessages.sized("T", "short" + i, BODY), T0 + 60_000 + i).join();
            }
            long stillNeeded = 0; // cancels of timers whose records lie in the first segment, which stays
            List<String> cancelled = new ArrayList<>(List.of("long0"));
            for (int i = 0; i < 100; i++) {
                cancelled.add("short" + i);
            }
            for (String key : cancelled) {
                stillNeeded += store.findByUniqKey("T", key).get(0).position() < 1 << 20 ? 1 : 0;
                store.cancel("T", key).join();
            }
            assertTrue(store.stats().writePosition() >= 1 << 20, "the cancels are written after the first segment");
            for (int i = 0; i < 100; i++) { // the rest of the third segment, delivered
                store.append(TestMessages.sized("T", "gone" + i, BODY), T0 + 1).join();
            }
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, T0 + 1, 1000)) {
                store.ack(e.dueMs(), e.seq());
            }
            ReclaimReport report = store.reclaimSpace();
            assertTrue(stillNeeded >= 1 && stillNeeded < 10, "cancels of the first segment's timers: " + stillNeeded);
            assertEquals(stillNeeded, report.copiedChanges(), "only those: " + report);
            assertEquals(1, store.stats().segments() - 1, "the first segment and the active one are left: " + report);
        }
        DurableFiles.deleteTree(dir.resolve("index"));
        try (TimerStore store = open()) {
            assertTrue(store.findByUniqKey("T", "long0").isEmpty(), "long0 stays cancelled");
            for (int i = 0; i < 100; i++) {
                assertTrue(store.findByUniqKey("T", "short" + i).isEmpty(), "short" + i + " stays cancelled");
            }
            for (int i = 1; i < 100; i++) {
                assertEquals(1, store.findByUniqKey("T", "long" + i).size(), "long" + i + " pending");
            }
        }
    }

    @Test
    void shouldCompactASparseSegmentOnlyAfterTheDelayAndDeleteOneThatDrainedMeanwhileWithoutMovingIt()
            throws Exception {
        long delay = 60_000;
        try (TimerStore store = TimerStore.open(StoreFixture.config(dir).withCompactionDelayMs(delay), clock)) {
            fill(store, 400);
            long activeBase = (long) (store.stats().segments() - 1) << 20; // 1 MiB segments from position 0
            List<DueEntry> sealed = store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000).stream()
                    .filter(e -> e.position() < activeBase).toList();
            List<DueEntry> kept = new ArrayList<>();
            for (DueEntry e : sealed) {
                if (e.seq() % 40 == 0) {
                    kept.add(e); // one in forty stays: every sealed segment is sparse
                } else {
                    store.ack(e.dueMs(), e.seq());
                }
            }
            int segments = store.stats().segments();
            ReclaimReport first = store.reclaimSpace();
            assertEquals(0, first.compactedSegments(), "sparse just now: " + first);
            assertEquals(segments, store.stats().segments());

            DueEntry drained = kept.get(0); // its segment's other live timers are delivered within the delay
            long drainedSegment = drained.position() >> 20;
            for (DueEntry e : kept) {
                if (e.position() >> 20 == drainedSegment) {
                    store.ack(e.dueMs(), e.seq());
                }
            }
            long stillSparse = kept.stream().filter(e -> e.position() >> 20 != drainedSegment).count();
            clock.advance(delay - 1);
            ReclaimReport beforeDelay = store.reclaimSpace();
            assertEquals(0, beforeDelay.compactedSegments(), beforeDelay.toString());
            assertEquals(0, beforeDelay.movedRecords());
            assertEquals(1, beforeDelay.deletedSegments(), "the drained segment goes without a move");

            clock.advance(1);
            ReclaimReport after = store.reclaimSpace();
            assertTrue(after.compactedSegments() >= 2, after.toString());
            assertEquals(stillSparse, after.movedRecords(), "the other sparse segments' live timers moved");
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000)) {
                assertEquals(TestMessages.sized("T", e.uniqKey(), BODY), store.read(e).message());
            }
        }
    }

    @Test
    void shouldShrinkADrainedStoreToOneSegment() throws Exception {
        try (TimerStore store = open()) {
            fill(store, 300);
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000)) {
                store.ack(e.dueMs(), e.seq());
            }
            store.reclaimSpace();
            assertEquals(1, store.stats().segments());
            assertEquals(0, store.pendingCount());
        }
    }

    @Test
    void shouldForgetTombstonesAfterTheirRetention() throws Exception {
        try (TimerStore store = open()) {
            deliver(store, "K");
            assertTrue(store.append(TestMessages.message("T", "K"), T0 + 1).join().duplicate());
            clock.advance(store.config().dedupRetentionMs() + 1);
            ReclaimReport report = store.reclaimSpace();
            assertEquals(1, report.expiredTombstones());
            assertEquals(0, report.expiryRestNanos(), "one chunk: nothing to rest after");
            assertTrue(!store.append(TestMessages.message("T", "K"), T0 + 1).join().duplicate(),
                    "after the retention the same key is a new timer");
        }
    }

    @Test
    void shouldForgetTombstonesChunkByChunkInOnePass() throws Exception {
        try (TimerStore store = open()) {
            int n = 2_500; // more than two chunks of the index lock's share
            expiredTombstones(store, n);
            long began = System.nanoTime();
            ReclaimReport report = store.reclaimSpace();
            long took = System.nanoTime() - began;
            assertEquals(n, report.expiredTombstones());
            // Three chunks, a rest after each of the first two: about three times their work, never more in all.
            assertTrue(report.expiryRestNanos() > 0, "rested between chunks");
            assertTrue(report.expiryRestNanos() <= SpaceReclaimer.EXPIRY_REST_FACTOR * report.expiryWorkNanos()
                    + 50_000_000, report.toString()); // + the last rest's oversleep on a busy machine
            assertTrue(took >= report.expiryWorkNanos() + report.expiryRestNanos(), report + " in " + took + " ns");
            assertTrue(!report.moreTombstonesDue(), report.toString());
            assertEquals(0, store.reclaimSpace().expiredTombstones(), "nothing left for a second pass");
            assertForgotten(store, n);
        }
    }

    @Test
    void shouldRunPassAfterPassWhileEachStopsAtItsLimit() throws Exception {
        try (TimerStore store = open()) {
            int n = 2_500;
            expiredTombstones(store, n);
            store.tombstonesPerPass(1_000);
            ReclaimReport one = store.reclaimSpace();
            assertEquals(1_024, one.expiredTombstones(), "a pass ends after the chunk that reached its limit");
            assertTrue(one.moreTombstonesDue(), one.toString());
            assertEquals(2, store.reclaimUntilCaughtUp(), "the rest in two more passes");
            assertEquals(0, store.reclaimSpace().expiredTombstones());
            assertForgotten(store, n);
        }
    }

    @Test
    void shouldHoldBackExpiryWhileTheStoreIsBusyAndForgetOnceItIsQuiet() throws Exception {
        try (TimerStore store = open()) {
            deliver(store, "K");
            // The retention ends on the wall clock while the monotonic clock says the append was just now.
            clock.stepWallTo(clock.wallMillis() + store.config().dedupRetentionMs() + 1);
            ReclaimReport busy = store.reclaimSpace();
            assertEquals(0, busy.expiredTombstones(), busy.toString());
            assertTrue(busy.expiryDeferred(), busy.toString());
            assertTrue(store.append(TestMessages.message("T", "K"), T0 + 1).join().duplicate(), "still remembered");

            clock.advance(SpaceReclaimer.EXPIRY_QUIET_MS);
            ReclaimReport quiet = store.reclaimSpace();
            assertEquals(1, quiet.expiredTombstones(), quiet.toString());
            assertTrue(!quiet.expiryDeferred(), quiet.toString());
            assertTrue(!store.append(TestMessages.message("T", "K"), T0 + 1).join().duplicate(), "forgotten");
        }
    }

    @Test
    void shouldForgetTombstonesOverdueByMoreThanTheLagEvenWhileBusy() throws Exception {
        try (TimerStore store = open()) {
            deliver(store, "old");
            clock.stepWallTo(clock.wallMillis() + store.config().dedupRetentionMs() - 1_000);
            deliver(store, "recent");
            // "old" expired more than the lag ago, "recent" less; an append just now keeps the store busy.
            clock.stepWallTo(clock.wallMillis() + SpaceReclaimer.EXPIRY_MAX_LAG_MS + 1_002);
            store.append(TestMessages.message("T", "now"), T0 + 1).join();
            ReclaimReport report = store.reclaimSpace();
            assertEquals(1, report.expiredTombstones(), report.toString());
            assertTrue(report.expiryDeferred(), report.toString());
            assertTrue(!store.append(TestMessages.message("T", "old"), T0 + 1).join().duplicate(), "old forgotten");
            assertTrue(store.append(TestMessages.message("T", "recent"), T0 + 1).join().duplicate(),
                    "recent still remembered");
        }
    }
}
