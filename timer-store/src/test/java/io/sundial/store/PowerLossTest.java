package io.sundial.store;

import io.sundial.store.log.FlushMode;
import io.sundial.store.time.Clock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A power cut, simulated on the files: while four writers append, the store is copied and the copy loses what a
 * power cut takes — every timer-log byte past the last fsync (zeroed, later segment files gone) and the whole
 * RocksDB index (the most pessimistic loss of its unsynced writes: rebuilt from the log). A kill -9 never tests
 * this, since the page cache survives it. With SYNC_FLUSH every acknowledged timer is in the reopened copy; with
 * ASYNC_FLUSH only timers acknowledged within the flush interval before the cut may be missing.
 */
@Tag("slow")
class PowerLossTest {
    private static final String TOPIC = "PowerLoss";
    private static final long FLUSH_INTERVAL_MS = 200;

    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryAcknowledgedTimerWithSyncFlush() throws Exception {
        Outcome o = cutPowerWhileWriting(FlushMode.SYNC_FLUSH);
        report("SYNC_FLUSH", o);
        assertTrue(o.acknowledged > 1_000, "the writers were busy: " + o.acknowledged);
        assertEquals(0, o.lost.size(), () -> "nothing acknowledged is lost; lost: "
                + o.lost.stream().limit(10).toList() + (o.lost.size() > 10 ? " ..." : ""));
    }

    @Test
    void shouldLoseAtMostTheLastFlushIntervalWithAsyncFlush() throws Exception {
        Outcome o = cutPowerWhileWriting(FlushMode.ASYNC_FLUSH);
        report("ASYNC_FLUSH", o);
        assertTrue(o.acknowledged > 1_000, "the writers were busy: " + o.acknowledged);
        long bound = TimeUnit.MILLISECONDS.toNanos(2 * FLUSH_INTERVAL_MS);
        for (String key : o.lost) {
            long age = o.cutNanos - o.ackNanos.get(key);
            assertTrue(age < bound, key + " was acknowledged " + TimeUnit.NANOSECONDS.toMillis(age)
                    + " ms before the cut and lost: more than two flush intervals");
        }
    }

    private record Outcome(int acknowledged, List<String> lost, Map<String, Long> ackNanos, long cutNanos,
                           long flushedAtCut, long replayed) {
    }

    private Outcome cutPowerWhileWriting(FlushMode mode) throws Exception {
        Path live = dir.resolve("live");
        Path afterCut = dir.resolve("after-the-cut");
        StoreConfig config = StoreFixture.config(live).withFlushMode(mode).withFlushIntervalMs(FLUSH_INTERVAL_MS);
        Map<String, Long> ackNanos = new ConcurrentHashMap<>();
        Map<String, Long> acknowledgedAtCut;
        long flushedAtCut;
        long cutNanos;
        try (TimerStore store = TimerStore.open(config, Clock.SYSTEM)) {
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger next = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                Thread t = new Thread(() -> {
                    while (writing.get()) {
                        String key = "u" + next.incrementAndGet();
                        try {
                            store.append(TestMessages.message(TOPIC, key, null, "x".repeat(1_000)),
                                    System.currentTimeMillis() + 3_600_000).get(10, TimeUnit.SECONDS);
                            ackNanos.put(key, System.nanoTime());
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
                t.start();
                writers.add(t);
            }
            Thread.sleep(1_500);
            // The cut: what was acknowledged, then how far the log was fsynced, then the files as they are.
            cutNanos = System.nanoTime();
            acknowledgedAtCut = new HashMap<>(ackNanos);
            flushedAtCut = store.stats().flushedPosition();
            copyTree(live.resolve("timerlog"), afterCut.resolve("timerlog"));
            writing.set(false);
            for (Thread t : writers) {
                t.join();
            }
        }
        dropUnsynced(afterCut.resolve("timerlog"), flushedAtCut);
        // No index directory at all: RocksDB's unsynced writes lost in the worst way; rebuilt from the log.
        List<String> lost = new ArrayList<>();
        long replayed;
        try (TimerStore reopened = TimerStore.open(StoreFixture.config(afterCut).withFlushMode(mode), Clock.SYSTEM)) {
            replayed = reopened.recoveryReport().replayedRecords();
            for (String key : acknowledgedAtCut.keySet()) {
                if (reopened.findByUniqKey(TOPIC, key).isEmpty()) {
                    lost.add(key);
                }
            }
        }
        return new Outcome(acknowledgedAtCut.size(), lost, acknowledgedAtCut, cutNanos, flushedAtCut, replayed);
    }

    /** What the disk holds after the power cut: the log up to {@code flushed}; zeros after; later files gone. */
    private static void dropUnsynced(Path timerlog, long flushed) throws IOException {
        try (Stream<Path> files = Files.list(timerlog)) {
            for (Path segment : files.sorted().toList()) {
                long base = Long.parseLong(segment.getFileName().toString().replaceAll("\\D", ""));
                try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
                    long length = f.length();
                    if (base >= flushed) {
                        f.close();
                        Files.delete(segment);
                    } else if (base + length > flushed) {
                        f.seek(flushed - base);
                        f.write(new byte[(int) (length - (flushed - base))]);
                    }
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void report(String mode, Outcome o) throws IOException {
        String line = String.format("power cut while 4 writers append (%s): acknowledged before the cut %d, log"
                        + " fsynced to %d, index lost and rebuilt from %d records, acknowledged but lost %d%n", mode,
                o.acknowledged, o.flushedAtCut, o.replayed, o.lost.size());
        System.out.print(line);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "reliability-figures.txt"), line,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
}
