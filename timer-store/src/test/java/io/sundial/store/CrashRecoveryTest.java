package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.RocksKeyValueStore;
import io.sundial.store.index.TimerIndex;
import io.sundial.store.index.IndexBatch;
import io.sundial.store.log.DurableFiles;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.sundial.store.StoreFixture.T0;
import static io.sundial.store.TestMessages.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crashes are simulated by putting back an earlier copy of the index directory (RocksDB lost the tail of its
 * write-ahead log) or of a log segment (the page cache lost the log's unsynced tail), then reopening.
 */
class CrashRecoveryTest {
    @TempDir
    Path dir;
    /** Copies taken before a simulated crash; a directory of their own so that JUnit deletes them too. */
    @TempDir
    Path snapshots;

    private final ManualClock clock = StoreFixture.clock();

    private TimerStore open() throws IOException {
        return TimerStore.open(StoreFixture.config(dir), clock);
    }

    private Path snapshot(String what) throws IOException {
        Path from = dir.resolve(what);
        Path to = snapshots.resolve(what + "-" + System.nanoTime());
        copyTree(from, to);
        return to;
    }

    private void restore(Path snapshot, String what) throws IOException {
        Path target = dir.resolve(what);
        try (Stream<Path> files = Files.walk(target)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
        copyTree(snapshot, target);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    void shouldReplayATimerWhoseIndexBatchWasLostAfterTheLogAppend() throws Exception {
        try (TimerStore store = open()) {
            store.append(message("T", "A"), T0 + 100).get(5, TimeUnit.SECONDS);
        }
        Path index = snapshot("index");
        AppendResult b;
        try (TimerStore store = open()) {
            b = store.append(message("T", "B"), T0 + 200).get(5, TimeUnit.SECONDS);
        }
        restore(index, "index");
        try (TimerStore store = open()) {
            assertEquals(1, store.recoveryReport().replayedRecords());
            assertEquals(2, store.pendingCount());
            DueEntry e = store.findByUniqKey("T", "B").get(0);
            assertEquals(b.seq(), e.seq());
            assertEquals(message("T", "B"), store.read(e).message());
            AppendResult c = store.append(message("T", "C"), T0 + 300).get(5, TimeUnit.SECONDS);
            assertTrue(c.seq() > b.seq(), "sequences continue after the replayed ones");
            assertTrue(store.append(message("T", "B"), T0 + 200).get().duplicate(),
                    "the replayed timer is known to the retry check");
        }
    }

    @Test
    void shouldReplayCancelsAndReschedulesAndNeverUndoThem() throws Exception {
        try (TimerStore store = open()) {
            store.append(message("T", "A"), T0 + 100).get();
            store.append(message("T", "B"), T0 + 200).get();
            store.append(message("T", "C"), T0 + 300).get();
        }
        Path index = snapshot("index");
        try (TimerStore store = open()) {
            assertEquals(ChangeResult.Status.CHANGED, store.cancel("T", "A").get().status());
            assertEquals(ChangeResult.Status.CHANGED, store.reschedule("T", "B", T0 + 5000).get().status());
        }
        for (int crash = 0; crash < 2; crash++) { // the second time replays over an already replayed index
            restore(index, "index");
            try (TimerStore store = open()) {
                assertEquals(2, store.recoveryReport().replayedRecords());
                assertEquals(2, store.pendingCount());
                assertTrue(store.findByUniqKey("T", "A").isEmpty());
                assertEquals(T0 + 5000, store.findByUniqKey("T", "B").get(0).dueMs());
                assertEquals(List.of("C", "B"), store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 10).stream()
                        .map(DueEntry::uniqKey).toList());
            }
        }
        try (TimerStore store = open()) {
            assertEquals(0, store.recoveryReport().replayedRecords());
            assertEquals(2, store.pendingCount());
        }
    }

    /**
     * The newest timers' segment is emptied and deleted while only compaction's moves of older timers follow it. An
     * index rebuilt from the log then learnt its next sequence from those older timers and handed the deleted timers'
     * sequences out again (decision 0049).
     */
    @Test
    void shouldNotHandOutTheSequencesOfDeletedSegmentsAfterARebuild() throws Exception {
        long newest = deliverAndDeleteTheNewestTimersSegment();
        DurableFiles.deleteTree(dir.resolve("index"));
        try (TimerStore store = open()) {
            assertEquals(2, store.pendingCount());
            long seq = store.append(message("T", "after"), T0 + 5000).get().seq();
            assertTrue(seq > newest, "sequence " + seq + " after the rebuild comes after " + newest);
        }
    }

    /**
     * The floor lost as well (it reads as 0 when damaged): the ledger names the delivered timers' sequences, which
     * must not name a new timer either, or the next rebuild would leave that timer out (decision 0050).
     */
    @Test
    void shouldNotHandOutTheSequencesTheLedgerNamesWhenTheFloorIsLost() throws Exception {
        long newest = deliverAndDeleteTheNewestTimersSegment();
        DurableFiles.deleteTree(dir.resolve("index"));
        Files.delete(dir.resolve(SequenceFloor.FILE));
        try (TimerStore store = open()) {
            long seq = store.append(message("T", "after"), T0 + 5000).get().seq();
            assertTrue(seq > newest, "sequence " + seq + " after the rebuild comes after " + newest);
        }
    }

    /** Returns the newest timer's sequence: its segment, all delivered, deleted, with only older timers' moves after. */
    private long deliverAndDeleteTheNewestTimersSegment() throws Exception {
        long newest;
        try (TimerStore store = open()) {
            for (int i = 0; i < 26; i++) { // the first segment, full: due in an hour
                store.append(TestMessages.sized("T", "far" + i, 40_000), T0 + 3_600_000 + i).get();
            }
            newest = 0;
            for (int i = 0; i < 100; i++) { // the second, nearly full: delivered at once
                newest = store.append(TestMessages.sized("T", "near" + i, 10_000), T0 + 1).get().seq();
            }
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000)) {
                if (!e.uniqKey().equals("far0") && !e.uniqKey().equals("far1")) {
                    store.ack(e.dueMs(), e.seq()); // the first segment keeps two: compacted into a third
                }
            }
            ReclaimReport reclaimed = store.reclaimSpace();
            assertEquals(2, reclaimed.movedRecords(), reclaimed.toString());
            assertEquals(2, reclaimed.deletedSegments(), "only the moves' segment is left: " + reclaimed);
        }
        return newest;
    }

    /** Pausing is not in the log: the paused topics are kept beside the index too (decision 0049). */
    @Test
    void shouldPauseAgainInAnIndexRebuiltFromTheLog() throws Exception {
        try (TimerStore store = open()) {
            store.append(message("T", "A"), T0 + 100).get();
            store.pause("T");
            store.pause("U");
            store.resume("U");
        }
        DurableFiles.deleteTree(dir.resolve("index"));
        try (TimerStore store = open()) {
            assertEquals(Set.of("T"), store.pausedTopics().keySet(), "T paused after the rebuild");
            store.resume("T");
        }
        DurableFiles.deleteTree(dir.resolve("index"));
        try (TimerStore store = open()) {
            assertTrue(store.pausedTopics().isEmpty(), "resumed before the second rebuild");
            assertEquals(1, store.pendingCount());
        }
    }

    @Test
    void shouldReplayTheCancelOfAParkedTimer() throws Exception {
        long seq;
        try (TimerStore store = open()) {
            seq = store.append(message("T", "A"), T0 + 100).get().seq();
            DueEntry e = store.findByUniqKey("T", "A").get(0);
            try (DeliverySession session = store.deliverySession()) {
                assertTrue(session.park(session.begin(List.of(TimerId.of(e))).get(0), "topic gone"));
            }
        }
        Path index = snapshot("index");
        try (TimerStore store = open()) {
            assertEquals(ChangeResult.Status.CHANGED, store.cancel("T", "A").get().status());
        }
        restore(index, "index"); // the index lost the cancel; the log has it
        try (TimerStore store = open()) {
            assertEquals(1, store.recoveryReport().replayedRecords());
            assertEquals(null, store.parkedTimer("T", seq), "the cancel replayed");
            assertEquals(0, store.pendingCount());
            assertEquals(ChangeResult.Status.ALREADY_CANCELLED, store.cancel("T", "A").get().status());
        }
    }

    /**
     * A cancel and a reschedule are written in a later segment than their timers' records. Once that segment holds
     * nothing pending it used to be deleted, and an index rebuilt from the log brought the cancelled timer back and
     * the rescheduled one at its first due time (decision 0048).
     */
    @Test
    void shouldKeepCancelsAndReschedulesThroughARebuildAfterTheirSegmentEmptied() throws Exception {
        try (TimerStore store = open()) {
            store.append(message("T", "Cancelled"), T0 + 3_600_000).get();
            store.append(message("T", "Rescheduled"), T0 + 3_600_000).get();
            for (int i = 0; i < 120; i++) { // the first segment, held by pending timers; the next begins
                store.append(TestMessages.sized("T", "held" + i, 10_000), T0 + 7_200_000).get();
            }
            store.cancel("T", "Cancelled").get();
            store.reschedule("T", "Rescheduled", T0 + 9_000_000).get();
            for (int i = 0; i < 120; i++) { // the rest of the second segment, delivered
                store.append(TestMessages.sized("T", "delivered" + i, 10_000), T0 + 1).get();
            }
            for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, T0 + 1, 1000)) {
                store.ack(e.dueMs(), e.seq());
            }
            ReclaimReport reclaimed = store.reclaimSpace();
            assertEquals(1, reclaimed.deletedSegments(), "the second segment was compacted and deleted: " + reclaimed);
        }
        DurableFiles.deleteTree(dir.resolve("index"));
        try (TimerStore store = open()) {
            boolean cancelledCameBack = !store.findByUniqKey("T", "Cancelled").isEmpty();
            long rescheduledDue = store.findByUniqKey("T", "Rescheduled").get(0).dueMs();
            assertFalse(cancelledCameBack, "the cancelled timer stays cancelled");
            assertEquals(T0 + 9_000_000, rescheduledDue, "the rescheduled timer keeps its new due time");
            for (int i = 0; i < 120; i++) {
                assertEquals(1, store.findByUniqKey("T", "held" + i).size(), "held" + i + " pending");
            }
        }
    }

    /**
     * An acknowledgement lives in the index, not in the log: the ledger of delivered timers is what keeps an index
     * rebuilt from the log from delivering them again (decision 0050). Without it they come back (at least once).
     */
    @Test
    void shouldLeaveDeliveredTimersOutOfAnIndexRebuiltFromTheLog() throws Exception {
        try (TimerStore store = open()) {
            store.append(message("T", "Delivered"), T0 + 100).get();
            store.append(message("T", "DeliveredToo"), T0 + 200).get();
            store.append(message("T", "Waiting"), T0 + 3_600_000).get();
            try (DeliverySession session = store.deliverySession()) {
                List<TimerId> due = store.scanDue(0, Long.MAX_VALUE, T0 + 200, 10).stream().map(TimerId::of).toList();
                assertEquals(2, session.ack(session.begin(due)));
            }
            assertEquals(4 + 2 * 16 + 4, store.stats().ledgerBytes(), "one block of two entries in the ledger");
        }
        DurableFiles.deleteTree(dir.resolve("index"));
        try (TimerStore store = open()) {
            assertEquals(1, store.pendingCount(), "only the waiting timer is pending");
            assertEquals(1, store.findByUniqKey("T", "Waiting").size());
            assertEquals(2, store.recoveryReport().skippedDelivered());
        }
        DurableFiles.deleteTree(dir.resolve("index"));
        DurableFiles.deleteTree(dir.resolve(DeliveredLedger.DIR));
        try (TimerStore store = open()) {
            assertEquals(3, store.pendingCount(), "without the ledger both delivered timers come back");
        }
    }

    @Test
    void shouldLeaveStateUnchangedWhenTheSameRecordsAreReplayedTwice() throws Exception {
        long appliedBefore;
        try (TimerStore store = open()) {
            store.append(message("T", "A"), T0 + 100).get();
        }
        appliedBefore = appliedPosition();
        try (TimerStore store = open()) {
            store.append(message("T", "B"), T0 + 200).get();
            store.append(message("U", "C"), T0 + 300).get();
            store.cancel("T", "A").get();
            store.reschedule("U", "C", T0 + 50).get();
        }
        setAppliedPosition(appliedBefore); // the index keeps the effects but forgets it applied them
        try (TimerStore store = open()) {
            assertEquals(4, store.recoveryReport().replayedRecords());
            assertEquals(2, store.pendingCount());
            assertEquals(1, store.pendingCount("T"));
            assertEquals(1, store.pendingCount("U"));
            assertEquals(T0 + 50, store.findByUniqKey("U", "C").get(0).dueMs());
            assertEquals(2, store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 10).size());
        }
    }

    @Test
    void shouldDropIndexEntriesPointingBeyondALostLogTail() throws Exception {
        try (TimerStore store = open()) {
            store.append(message("T", "A"), T0 + 100).get();
        }
        Path log = snapshot("timerlog");
        try (TimerStore store = open()) {
            store.append(message("T", "B"), T0 + 200).get();
            store.append(message("T", "C"), T0 + 300).get();
        }
        restore(log, "timerlog"); // ASYNC_FLUSH: B and C never reached the disk, RocksDB kept them
        try (TimerStore store = open()) {
            assertEquals(2, store.recoveryReport().droppedEntries());
            assertEquals(1, store.pendingCount());
            assertEquals(1, store.pendingCount("T"));
            assertFalse(store.append(message("T", "B"), T0 + 200).get().duplicate(),
                    "the producer's retry of a lost timer is stored again");
            assertEquals(2, store.pendingCount());
            DueEntry b = store.findByUniqKey("T", "B").get(0);
            assertEquals(message("T", "B"), store.read(b).message());
        }
    }

    @Test
    void shouldReplayCompactionMovesAfterTheOldSegmentIsGone() throws Exception {
        StoreConfig config = StoreFixture.config(dir);
        try (TimerStore store = TimerStore.open(config, clock)) {
            appendTwoSegments(store);
            deliverAllBut(store, Set.of("m3"));
        }
        Path index = snapshot("index");
        try (TimerStore store = TimerStore.open(config, clock)) {
            ReclaimReport report = store.reclaimSpace();
            assertEquals(1, report.movedRecords());
            assertTrue(report.deletedSegments() >= 1);
        }
        restore(index, "index");
        try (TimerStore store = TimerStore.open(config, clock)) {
            DueEntry m3 = store.findByUniqKey("T", "m3").get(0);
            assertEquals(TestMessages.sized("T", "m3", 10_000), store.read(m3).message());
            assertEquals(1, store.pendingCount());
        }
    }

    /**
     * Compaction copied the one live timer of a sparse segment forward as a MOVE record and deleted the segment, so
     * the MOVE record is the timer's only copy. Then the index is lost: the rebuild from the log must take the MOVE
     * record as the timer, since there is no TIMER record left for it to move.
     */
    @Test
    void shouldRebuildATimerWhoseOnlyCopyIsACompactionMove() throws Exception {
        StoreConfig config = StoreFixture.config(dir);
        try (TimerStore store = TimerStore.open(config, clock)) {
            appendTwoSegments(store);
            store.cancel("T", "m5").get();
            deliverAllBut(store, Set.of("m3", "m4"));
            ReclaimReport report = store.reclaimSpace();
            assertEquals(2, report.movedRecords());
            assertTrue(report.deletedSegments() >= 1);
            store.cancel("T", "m4").get();
        }
        restore(Files.createDirectories(snapshots.resolve("no-index")), "index");
        try (TimerStore store = TimerStore.open(config, clock)) {
            List<DueEntry> m3 = store.findByUniqKey("T", "m3");
            assertEquals(1, m3.size(), "the moved timer is pending after the rebuild");
            assertEquals(TestMessages.sized("T", "m3", 10_000), store.read(m3.get(0)).message());
            assertTrue(store.findByUniqKey("T", "m4").isEmpty(), "moved, then cancelled: stays cancelled");
            assertTrue(store.findByUniqKey("T", "m5").isEmpty(), "cancelled before the move: not brought back");
        }
    }

    /**
     * The index is lost and a sealed segment has a flipped byte in one record (bit rot the scrubber had not reached):
     * the rebuild steps over that record and replays the rest of the segment and the log, with a warning; it used
     * to refuse to open the store at all.
     */
    @Test
    void shouldRebuildTheIndexPastACorruptRecordInASealedSegment() throws Exception {
        StoreConfig config = StoreFixture.config(dir);
        long position;
        try (TimerStore store = TimerStore.open(config, clock)) {
            appendTwoSegments(store);
            position = store.findByUniqKey("T", "m40").get(0).position();
        }
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(
                dir.resolve("timerlog").resolve(String.format("%020d.log", 0)).toFile(), "rw")) {
            f.seek(position + 200);
            int b = f.read();
            f.seek(position + 200);
            f.write(b ^ 0x01);
        }
        restore(Files.createDirectories(snapshots.resolve("no-index")), "index");
        try (CapturedLog log = new CapturedLog(Recovery.class); TimerStore store = TimerStore.open(config, clock)) {
            assertEquals(119, store.pendingCount(), "every timer but the damaged one");
            assertTrue(store.findByUniqKey("T", "m40").isEmpty());
            for (String key : List.of("m39", "m41", "m119")) {
                assertEquals(key, store.read(store.findByUniqKey("T", key).get(0)).uniqKey());
            }
            assertEquals(1, log.lines(ch.qos.logback.classic.Level.WARN, "stepped over 1 damaged regions").size());
        }
    }

    /** 120 timers m0…m119 of 10 KB on topic T: more than one 1 MiB segment. */
    private static void appendTwoSegments(TimerStore store) throws Exception {
        for (int i = 0; i < 120; i++) {
            store.append(TestMessages.sized("T", "m" + i, 10_000), T0 + i).get();
        }
    }

    /** Acknowledges every pending timer but those whose key is in {@code kept}, leaving their segment sparse. */
    private static void deliverAllBut(TimerStore store, Set<String> kept) {
        for (DueEntry e : store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1000)) {
            if (!kept.contains(e.uniqKey())) {
                store.ack(e.dueMs(), e.seq());
            }
        }
    }

    private long appliedPosition() {
        try (RocksKeyValueStore kv = new RocksKeyValueStore(dir.resolve("index"), 16 << 20)) {
            return new TimerIndex(kv, 0).appliedPosition();
        }
    }

    private void setAppliedPosition(long position) {
        try (RocksKeyValueStore kv = new RocksKeyValueStore(dir.resolve("index"), 16 << 20)) {
            TimerIndex index = new TimerIndex(kv, 0);
            long nextSeq = index.nextSeq();
            try (IndexBatch b = index.newBatch()) {
                index.setApplied(b, position, nextSeq);
                index.write(b, true);
            }
        }
    }
}
