package io.sundial.store;

import io.sundial.store.index.DueEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ledger of delivered timers (decision 0050): what it names survives reopening and torn tails, and it forgets
 * a timer only once the segment that held its record is gone.
 */
class DeliveredLedgerTest {
    /** Segments of this many bytes, at bases 0, 1,000, 2,000, ...; only those in {@link #segments} exist. */
    private static final long SEGMENT = 1_000;

    @TempDir
    Path dir;
    @TempDir
    Path backups;

    private final Set<Long> segments = new ConcurrentSkipListSet<>(List.of(0L, 1_000L, 2_000L));

    private long segmentOf(long position) {
        long base = position / SEGMENT * SEGMENT;
        return segments.contains(base) ? base : -1;
    }

    private DeliveredLedger open(long rollBytes, long minStale) throws IOException {
        return DeliveredLedger.open(dir, this::segmentOf, rollBytes, minStale);
    }

    /** Timers {@code seqs}, the record of each at {@code segment} plus its sequence. */
    private static List<DueEntry> delivered(long segment, long... seqs) {
        List<DueEntry> out = new ArrayList<>();
        for (long seq : seqs) {
            out.add(new DueEntry(7, seq, segment + seq, 100, 0, "T", "k" + seq, List.of()));
        }
        return out;
    }

    private Path ledgerDir() {
        return dir.resolve(DeliveredLedger.DIR);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(ledgerDir())) {
            return s.sorted().toList();
        }
    }

    @Test
    void shouldNameEveryDeliveredTimerOnceAfterReopening() throws Exception {
        try (DeliveredLedger ledger = open(DeliveredLedger.ROLL_BYTES, 1)) {
            ledger.record(delivered(0, 5, 3, 9));
            ledger.record(delivered(1_000, 4, 3)); // 3 named twice: a timer delivered again after a crash
            assertArrayEquals(new long[] {3, 4, 5, 9}, ledger.deliveredSeqs());
        }
        try (DeliveredLedger ledger = open(DeliveredLedger.ROLL_BYTES, 1)) {
            assertArrayEquals(new long[] {3, 4, 5, 9}, ledger.deliveredSeqs());
            assertEquals(5, ledger.entries());
        }
    }

    @Test
    void shouldCutATornTailSoThatLaterEntriesReadAgain() throws Exception {
        try (DeliveredLedger ledger = open(DeliveredLedger.ROLL_BYTES, 1)) {
            ledger.record(delivered(0, 1, 2));
        }
        Path file = files().get(0);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            c.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 3, 1, 2, 3})); // a block the crash cut short
        }
        try (DeliveredLedger ledger = open(DeliveredLedger.ROLL_BYTES, 1)) {
            assertArrayEquals(new long[] {1, 2}, ledger.deliveredSeqs());
            ledger.record(delivered(0, 8));
        }
        try (DeliveredLedger ledger = open(DeliveredLedger.ROLL_BYTES, 1)) {
            assertArrayEquals(new long[] {1, 2, 8}, ledger.deliveredSeqs(), "the entry after the torn block reads");
        }
    }

    @Test
    void shouldDeleteSealedFilesOnceEverySegmentTheyNameIsGone() throws Exception {
        try (DeliveredLedger ledger = open(1, Long.MAX_VALUE)) { // each record seals its file
            ledger.record(delivered(0, 1, 2));
            ledger.record(delivered(0, 3));
            ledger.record(delivered(1_000, 4));
            ledger.record(delivered(0, 5));
            ledger.record(delivered(2_000, 6));
            assertEquals(6, ledger.files(), "five sealed files and the empty one appended to");

            assertEquals(0, ledger.reclaim(), "every segment is there");
            segments.remove(0L);
            assertEquals(4, ledger.reclaim(), "the three files of segment 0 go");
            assertEquals(3, ledger.files());
            assertArrayEquals(new long[] {4, 6}, ledger.deliveredSeqs());
        }
        try (DeliveredLedger ledger = open(1, Long.MAX_VALUE)) {
            assertArrayEquals(new long[] {4, 6}, ledger.deliveredSeqs());
        }
    }

    @Test
    void shouldRewriteTheNeededEntriesIntoOneFileOnceTheStaleOnesAreAsMany() throws Exception {
        try (DeliveredLedger ledger = open(1, 2)) {
            ledger.record(delivered(0, 1, 2, 3, 4));
            ledger.record(delivered(1_000, 5));
            ledger.record(delivered(0, 6, 7, 8));
            ledger.record(delivered(1_000, 9));
            List<DueEntry> mixed = new ArrayList<>(delivered(0, 10, 12, 13));
            mixed.addAll(delivered(1_000, 11));
            ledger.record(mixed);
            assertEquals(13, ledger.entries());
            segments.remove(0L);
            assertEquals(4 + 3 + 3, ledger.reclaim(), "two files of segment 0 alone, then three stale in a rewrite");
            assertEquals(3, ledger.entries());
            assertEquals(2, ledger.files(), "the rewritten file and the one appended to");
            assertArrayEquals(new long[] {5, 9, 11}, ledger.deliveredSeqs());
            assertEquals(0, ledger.reclaim(), "nothing stale any more");
        }
        try (DeliveredLedger ledger = open(1, 2)) {
            assertArrayEquals(new long[] {5, 9, 11}, ledger.deliveredSeqs());
            assertEquals(3, ledger.entries());
        }
        assertFalse(files().stream().anyMatch(p -> p.toString().endsWith(".tmp")));
    }

    @Test
    void shouldNotRewriteWhileTheStaleEntriesAreFewerThanTheNeededOnes() throws Exception {
        try (DeliveredLedger ledger = open(1, 1)) {
            ledger.record(delivered(0, 1));
            ledger.record(delivered(1_000, 2, 3));
            List<DueEntry> mixed = new ArrayList<>(delivered(0, 4));
            mixed.addAll(delivered(1_000, 5, 6));
            ledger.record(mixed);
            segments.remove(0L);
            assertEquals(1, ledger.reclaim(), "the file of segment 0 alone goes; 1 stale against 4 needed stays");
            assertEquals(5, ledger.entries());
        }
    }

    @Test
    void shouldDeleteARewriteThatDidNotFinish() throws Exception {
        try (DeliveredLedger ledger = open(DeliveredLedger.ROLL_BYTES, 1)) {
            ledger.record(delivered(0, 1));
        }
        Files.write(ledgerDir().resolve("00000000000000000009.ledger.tmp"), new byte[] {1, 2, 3});
        try (DeliveredLedger ledger = open(DeliveredLedger.ROLL_BYTES, 1)) {
            assertArrayEquals(new long[] {1}, ledger.deliveredSeqs());
        }
        assertEquals(1, files().size());
    }

    @Test
    void shouldCopyItselfIntoABackup() throws Exception {
        Path backup = backups.resolve("b");
        try (DeliveredLedger ledger = open(40, Long.MAX_VALUE)) {
            ledger.record(delivered(0, 1, 2, 3));
            ledger.record(delivered(1_000, 4));
            ledger.copyTo(backup);
            ledger.record(delivered(0, 5));
        }
        try (DeliveredLedger copy = DeliveredLedger.open(backup, this::segmentOf)) {
            assertArrayEquals(new long[] {1, 2, 3, 4}, copy.deliveredSeqs());
        }
    }

    @Test
    void shouldReadBackAMillionEntries() throws Exception {
        long[] seqs = LongStream.range(0, 1_100_000).map(i -> 1_100_000 - i).toArray();
        try (DeliveredLedger ledger = open(DeliveredLedger.ROLL_BYTES, 1)) {
            for (int from = 0; from < seqs.length; from += 100_000) {
                List<DueEntry> batch = new ArrayList<>();
                for (int i = from; i < from + 100_000; i++) {
                    batch.add(new DueEntry(7, seqs[i], seqs[i] % 3 * SEGMENT, 100, 0, "T", "k", List.of()));
                }
                ledger.record(batch);
            }
            long[] read = ledger.deliveredSeqs();
            assertEquals(1_100_000, read.length);
            assertEquals(1, read[0]);
            assertEquals(1_100_000, read[read.length - 1]);
            assertTrue(ledger.files() >= 2, "16 MB of entries rolled to a second file");
        }
    }
}
