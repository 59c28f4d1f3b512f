package io.sundial.store;

import ch.qos.logback.classic.Level;
import io.sundial.store.index.DueEntry;
import io.sundial.store.log.DurableFiles;
import io.sundial.store.log.FaultyDisk;
import io.sundial.store.log.FlushMode;
import io.sundial.store.record.LogRecord;
import io.sundial.store.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The timer log's disk returns I/O errors (torn writes, failed fsyncs): every write in the meantime is refused
 * with the cause, nothing refused is acknowledged, the episode is logged once however many writes fail, and the
 * store writes again by itself once the disk does, with every acknowledged timer still there after a restart.
 */
class DiskIoErrorTest {
    private static final long DUE = System.currentTimeMillis() + 3_600_000;

    @TempDir
    Path dir;

    private final FaultyDisk disk = new FaultyDisk();
    private final Set<String> acknowledged = new HashSet<>();
    private int refused;

    private TimerStore open(FlushMode mode, long flushIntervalMs) throws Exception {
        return TimerStore.open(StoreFixture.config(dir).withFlushMode(mode).withFlushIntervalMs(flushIntervalMs),
                Clock.SYSTEM, () -> Long.MAX_VALUE, disk.channels());
    }

    /** Sends {@code n} timers at once; returns the errors of those refused, noting those acknowledged. */
    private List<Throwable> sendAll(TimerStore store, String prefix, int n) {
        List<CompletableFuture<AppendResult>> sends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sends.add(store.append(TestMessages.message("Disk", prefix + i), DUE + i));
        }
        List<Throwable> errors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try {
                sends.get(i).get(10, TimeUnit.SECONDS);
                acknowledged.add(prefix + i);
            } catch (Exception e) {
                errors.add(e.getCause());
                refused++;
            }
        }
        return errors;
    }

    /**
     * Sends one timer as the stock producer does: a refused send is sent again, up to two more times. Until the
     * segment holding a failed fsync's hole is sealed, writes are refused; the seal follows the next fsync that
     * works, so a retry finds it done.
     */
    private AppendResult sendRetrying(TimerStore store, String key, long dueMs) throws Exception {
        ExecutionException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                AppendResult result = store.append(TestMessages.message("Disk", key), dueMs)
                        .get(10, TimeUnit.SECONDS);
                acknowledged.add(key);
                return result;
            } catch (ExecutionException e) {
                last = e;
            }
        }
        throw last;
    }

    @Test
    void shouldRefuseWritesWhileTheDiskFailsLogItOnceAndLoseNothingAcknowledged() throws Exception {
        try (CapturedLog log = new CapturedLog(TimerStore.class); TimerStore store = open(FlushMode.SYNC_FLUSH, 200)) {
            assertTrue(sendAll(store, "before-", 20).isEmpty());

            disk.failWrites(true);
            List<Throwable> errors = new ArrayList<>();
            for (int round = 0; round < 10; round++) {
                errors.addAll(sendAll(store, "torn-" + round + "-", 10));
            }
            assertEquals(100, errors.size(), "no write can be acknowledged while the disk fails");
            for (Throwable e : errors) {
                assertInstanceOf(StoreException.class, e);
                assertTrue(e.getMessage().contains("the timer log cannot be written")
                        && e.getMessage().contains("Input/output error"), e.getMessage());
            }
            assertThrows(CompletionException.class, () -> store.cancel("Disk", "before-0").join());
            assertNotNull(store.writeFailure());
            assertTrue(store.writeFailures() >= 10, "every failed group is counted: " + store.writeFailures());

            disk.failWrites(false);
            assertTrue(sendAll(store, "healed-", 20).isEmpty(), "writes again with no restart");
            assertNull(store.writeFailure());

            disk.failFsyncs(true);
            List<Throwable> unsynced = sendAll(store, "unsynced-", 30);
            assertEquals(30, unsynced.size(), "SYNC_FLUSH acknowledges nothing that no fsync covered");
            assertTrue(unsynced.get(0).getMessage().contains("fsync failed"), unsynced.get(0).getMessage());
            disk.failFsyncs(false);
            // The first write after the disk heals may still land in the segment that holds the failed fsync's
            // hole, and be refused until it is sealed: the producer's retry is taken.
            for (int i = 0; i < 20; i++) {
                sendRetrying(store, "synced-" + i, DUE + i);
            }

            assertEquals(1, log.lines(Level.ERROR, "Writing the timer log and index failed").size(),
                    "one line for the whole write episode: " + log.lines(Level.ERROR, ""));
            assertEquals(1, log.lines(Level.INFO, "Writing the timer log and index works again").size());
            assertEquals(1, log.lines(Level.ERROR, "Fsyncing the timer log failed").size(),
                    "one line for the whole fsync episode: " + log.lines(Level.ERROR, ""));
            assertEquals(1, log.lines(Level.INFO, "Fsyncing the timer log works again").size());
        }

        try (TimerStore reopened = TimerStore.open(StoreFixture.config(dir), Clock.SYSTEM)) {
            Set<String> pending = new HashSet<>();
            for (DueEntry e : reopened.scanDue(0, -1, Long.MAX_VALUE / 2, 1_000)) {
                pending.add(e.uniqKey());
            }
            assertTrue(pending.containsAll(acknowledged), "every acknowledged timer survives the restart");
            assertEquals(60, acknowledged.size());
            // Torn writes never became timers; an unsynced one may (at least once: its sender retries anyway).
            assertTrue(pending.stream().noneMatch(k -> k.startsWith("torn-")), pending.toString());
            assertTrue(pending.size() <= acknowledged.size() + 30, pending.size() + " of " + refused + " refused");
        }
    }

    /**
     * An fsync fails and its pages never reach the disk: Linux marks them clean after reporting the error once, so a
     * later fsync that succeeds does not cover them (here they read back as zeros). The producer's retry of a send
     * refused then is recognised as the same send (same sequence and due time), but it is not answered on the
     * strength of that lost record: the retry's copy is written again, and the timer reads whole, also after a
     * restart: the segment holding the hole was sealed, so opening the log does not cut what came after it.
     */
    @Test
    void shouldWriteAgainTheRetryOfASendWhoseFsyncFailed() throws Exception {
        disk.loseUnsyncedWritesOnFailedFsync(true);
        try (TimerStore store = open(FlushMode.SYNC_FLUSH, 200)) {
            assertTrue(sendAll(store, "before-", 5).isEmpty());
            disk.failFsyncs(true);
            assertEquals(5, sendAll(store, "lost-", 5).size(), "refused: their fsync failed");
            disk.failFsyncs(false);
            for (int i = 0; i < 5; i++) {
                String key = "lost-" + i;
                AppendResult retry = sendRetrying(store, key, DUE + i);
                assertTrue(retry.duplicate(), key + ": recognised as the same send");
                List<DueEntry> found = store.findByUniqKey("Disk", key);
                assertEquals(1, found.size(), key + ": one timer");
                assertEquals(retry.seq(), found.get(0).seq());
                LogRecord record = store.read(found.get(0));
                assertEquals(key, record.uniqKey(), key + " reads whole");
                assertEquals(DUE + i, record.dueMs());
            }
            for (int i = 0; i < 5; i++) {
                assertEquals("before-" + i, store.read(store.findByUniqKey("Disk", "before-" + i).get(0)).uniqKey());
            }
            assertTrue(sendAll(store, "after-", 5).isEmpty());
        }
        // The lost pages stay a hole of zeros on the disk. Opening the log cuts its last segment at the first record
        // that does not read: had the hole stayed in the last segment, what was written after it would be cut.
        try (TimerStore reopened = TimerStore.open(StoreFixture.config(dir), Clock.SYSTEM)) {
            for (String key : List.of("before-0", "lost-0", "lost-4", "after-0", "after-4")) {
                List<DueEntry> found = reopened.findByUniqKey("Disk", key);
                assertEquals(1, found.size(), key + " pending after a restart");
                assertEquals(key, reopened.read(found.get(0)).uniqKey(), key + " reads whole after a restart");
            }
            assertEquals(15, reopened.pendingCount());
        }
    }

    /**
     * A send is refused because its fsync failed, and its pages are lost; the store restarts before the producer
     * sends it again (an application's own retry, later). The reopened log no longer knows that an fsync failed, but
     * the first copy does not read: so the retry is written again rather than answered on the strength of a copy that
     * would be parked as corrupt at its due time.
     */
    @Test
    void shouldWriteAgainARetryAfterARestartWhenItsFirstCopyDoesNotRead() throws Exception {
        disk.loseUnsyncedWritesOnFailedFsync(true);
        try (TimerStore store = open(FlushMode.SYNC_FLUSH, 200)) {
            assertTrue(sendAll(store, "before-", 3).isEmpty());
            disk.failNextFsyncs(1);
            assertEquals(1, sendAll(store, "lost-", 1).size(), "refused: its fsync failed");
            assertTrue(sendAll(store, "after-", 3).isEmpty(), "written past the seal");
        }
        try (CapturedLog log = new CapturedLog(Committer.class);
             TimerStore reopened = TimerStore.open(StoreFixture.config(dir).withFlushMode(FlushMode.SYNC_FLUSH),
                     Clock.SYSTEM)) {
            List<DueEntry> before = reopened.findByUniqKey("Disk", "lost-0");
            assertEquals(1, before.size(), "the refused send's timer is still indexed");
            assertThrows(Exception.class, () -> reopened.read(before.get(0)), "its record is in the hole");

            AppendResult retry = sendRetrying(reopened, "lost-0", DUE);
            assertTrue(retry.duplicate(), "recognised as the same send");
            List<DueEntry> found = reopened.findByUniqKey("Disk", "lost-0");
            assertEquals(1, found.size(), "one timer");
            assertEquals("lost-0", reopened.read(found.get(0)).uniqKey(), "reads whole: the retry's copy");
            assertEquals(1, log.lines(Level.WARN, "is written again: its first copy at position").size());
            for (String key : List.of("before-0", "after-2")) {
                assertEquals(key, reopened.read(reopened.findByUniqKey("Disk", key).get(0)).uniqKey());
            }
        }
    }

    /**
     * A second write group is written while the fsync of the first is under way, and that fsync fails, losing the
     * pages of both. The next fsync works, but it does not write them again: so the second group is refused too,
     * not acknowledged on the strength of an fsync that did not cover it.
     */
    @Test
    void shouldRefuseAWriteMadeBeforeAFailedFsyncThoughTheNextFsyncWorks() throws Exception {
        disk.loseUnsyncedWritesOnFailedFsync(true);
        try (TimerStore store = open(FlushMode.SYNC_FLUSH, 200)) {
            assertTrue(sendAll(store, "before-", 3).isEmpty());
            disk.pauseFsyncs(true);
            disk.failNextFsyncs(1);
            CompletableFuture<AppendResult> first = store.append(TestMessages.message("Disk", "first"), DUE);
            assertTrue(disk.awaitPausedFsync(5_000), "the first group's fsync has started");
            long firstWritten = store.stats().writePosition();
            CompletableFuture<AppendResult> second = store.append(TestMessages.message("Disk", "second"), DUE + 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (store.stats().writePosition() == firstWritten && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(store.stats().writePosition() > firstWritten, "the second group is written meanwhile");
            disk.pauseFsyncs(false);

            ExecutionException firstRefused = assertThrows(ExecutionException.class,
                    () -> first.get(10, TimeUnit.SECONDS));
            assertTrue(firstRefused.getCause().getMessage().contains("fsync failed"), firstRefused.getMessage());
            ExecutionException secondRefused = assertThrows(ExecutionException.class,
                    () -> second.get(10, TimeUnit.SECONDS));
            assertTrue(secondRefused.getCause().getMessage().contains("before an fsync that failed"),
                    secondRefused.getMessage());
            assertTrue(sendAll(store, "later-", 3).isEmpty(), "writes made after the failure are acknowledged");
        }
    }

    /**
     * After a failed fsync, sealing its segment fails too (the seal fsyncs it first), so a write goes on into that
     * segment, after the hole, and the next fsync works. That write reads fine, but until the seal the hole is in
     * the last segment, which a restart cuts at the hole: so it is refused until the segment is sealed, and its
     * retry lands in the next segment. Every acknowledged timer is then in an index rebuilt from the log.
     */
    @Test
    void shouldRefuseAWriteAfterTheHoleUntilTheSegmentIsSealed() throws Exception {
        disk.loseUnsyncedWritesOnFailedFsync(true);
        try (TimerStore store = open(FlushMode.SYNC_FLUSH, 200)) {
            assertTrue(sendAll(store, "before-", 3).isEmpty());
            disk.failNextFsyncs(1);
            assertEquals(1, sendAll(store, "lost-", 1).size(), "refused: its fsync failed");
            long segmentsBefore = store.stats().segments();
            disk.failNextFsyncs(1); // the seal's fsync
            List<Throwable> afterHole = sendAll(store, "after-hole-", 1);
            assertEquals(segmentsBefore, store.stats().segments(), "the seal failed: written after the hole");
            assertEquals(1, afterHole.size(), "a write after the hole, before the seal, is not acknowledged");
            assertTrue(afterHole.get(0).getMessage().contains("before an fsync that failed"),
                    afterHole.get(0).getMessage());
            assertTrue(sendRetrying(store, "after-hole-0", DUE).duplicate(), "its retry is the same send");
            assertTrue(store.stats().segments() > segmentsBefore, "sealed at the next write");
            assertTrue(sendAll(store, "after-seal-", 3).isEmpty());
        }
        DurableFiles.deleteTree(dir.resolve("index"));
        try (TimerStore rebuilt = TimerStore.open(StoreFixture.config(dir), Clock.SYSTEM)) {
            for (String key : acknowledged) {
                List<DueEntry> found = rebuilt.findByUniqKey("Disk", key);
                assertEquals(1, found.size(), key + ": acknowledged, so replayed into the rebuilt index");
                assertEquals(key, rebuilt.read(found.get(0)).uniqKey());
            }
            assertEquals(Set.of("before-0", "before-1", "before-2", "after-hole-0", "after-seal-0", "after-seal-1",
                    "after-seal-2"), acknowledged);
        }
    }

    @Test
    void shouldLogFailingPeriodicFsyncsOnceInAsyncFlush() throws Exception {
        try (CapturedLog log = new CapturedLog(TimerStore.class); TimerStore store = open(FlushMode.ASYNC_FLUSH, 10)) {
            assertTrue(sendAll(store, "async-", 5).isEmpty());
            disk.failFsyncs(true);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.writeFailures() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(store.writeFailures() >= 20, "the 10 ms fsync kept failing: " + store.writeFailures());
            assertTrue(sendAll(store, "async-during-", 5).isEmpty(), "ASYNC_FLUSH writes do not wait for an fsync");
            disk.failFsyncs(false);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.writeFailure() != null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertNull(store.writeFailure());
            assertEquals(1, log.lines(Level.ERROR, "Fsyncing the timer log failed").size(),
                    log.lines(Level.ERROR, "").toString());
            assertEquals(1, log.lines(Level.INFO, "Fsyncing the timer log works again").size());
        }
    }
}
