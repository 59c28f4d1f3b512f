package io.sundial.store.log;

import io.sundial.store.TestMessages;
import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.RecordCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimerLogTest {
    private static final int SEGMENT = 1 << 20;

    @TempDir
    Path dir;

    private static ByteBuffer record(long seq, int bodySize) {
        return RecordCodec.encode(LogRecord.timer(seq, 1000 + seq, 1, 7, "U" + seq,
                TestMessages.sized("T", "U" + seq, bodySize)));
    }

    @Test
    void shouldUnmapADeletedSegmentAtOnceAndRefuseReadsFromIt() throws Exception {
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            long first = -1;
            int size = 0;
            while (log.segments().size() < 2) {
                ByteBuffer r = record(1, 10_000);
                size = r.remaining();
                long p = log.append(List.of(r))[0];
                first = first < 0 ? p : first;
            }
            assertEquals(1, log.read(first, size).seq()); // maps the first segment
            String file = dir.resolve(Segment.fileName(log.segmentBaseOf(first))).toString();
            assertTrue(Files.readString(Path.of("/proc/self/maps")).contains(file), "reads go through a map");

            log.deleteSegment(log.segmentBaseOf(first));
            assertFalse(Files.readString(Path.of("/proc/self/maps")).contains(file),
                    "unmapped with the delete, so its disk space is free at once");
            long gone = first;
            int len = size;
            assertThrows(TimerLog.SegmentGoneException.class, () -> log.read(gone, len));
        }
    }

    @Test
    void shouldReadBackWhatItAppendedAcrossSegmentRolls() throws Exception {
        List<long[]> written = new ArrayList<>();
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            for (int i = 0; i < 300; i++) {
                ByteBuffer r = record(i, 10_000);
                long[] pos = log.append(List.of(r));
                written.add(new long[] {pos[0], r.remaining(), i});
            }
            assertTrue(log.segments().size() >= 3, "300 x 10 KB must roll 1 MiB segments");
            for (long[] w : written) {
                assertEquals(w[2], log.read(w[0], (int) w[1]).seq());
                assertEquals(w[2], log.read(w[0]).seq());
            }
        }
        try (TimerLog reopened = TimerLog.open(dir, SEGMENT)) {
            assertEquals(0, reopened.cutBytesAtOpen());
            List<Long> seqs = new ArrayList<>();
            reopened.scan(0, r -> seqs.add(r.record().seq()));
            assertEquals(300, seqs.size());
            for (int i = 0; i < 300; i++) {
                assertEquals(i, seqs.get(i));
            }
        }
    }

    @Test
    void shouldCutGarbageWrittenAfterTheLastRecordAtReopen() throws Exception {
        long end;
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            log.append(List.of(record(1, 100), record(2, 100)));
            end = log.writePosition();
        }
        Path segment = dir.resolve(Segment.fileName(0));
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(end);
            raf.write(new byte[] {0, 0, 1, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
        }
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            assertEquals(end, log.writePosition());
            assertEquals(17, log.cutBytesAtOpen());
            long next = log.append(List.of(record(3, 100)))[0];
            assertEquals(end, next);
        }
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            assertEquals(0, log.cutBytesAtOpen(), "the cut part was zeroed: nothing stale remains");
            List<Long> seqs = new ArrayList<>();
            log.scan(0, r -> seqs.add(r.record().seq()));
            assertEquals(List.of(1L, 2L, 3L), seqs);
        }
    }

    @Test
    void shouldCutAHalfWrittenRecord() throws Exception {
        long secondStart;
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            secondStart = log.append(List.of(record(1, 100), record(2, 5000)))[1];
        }
        Path segment = dir.resolve(Segment.fileName(0));
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(secondStart + 3000); // the rest of record 2 never reached the disk
            raf.write(new byte[3000]);
        }
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            assertEquals(secondStart, log.writePosition());
            assertTrue(log.cutBytesAtOpen() > 0);
            List<Long> seqs = new ArrayList<>();
            log.scan(0, r -> seqs.add(r.record().seq()));
            assertEquals(List.of(1L), seqs);
        }
    }

    @Test
    void shouldReportACrcMismatchOnReadAndNeverReturnTheBytes() throws Exception {
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            ByteBuffer r = record(1, 500);
            int size = r.remaining();
            long[] pos = log.append(List.of(r, record(2, 500)));
            for (int i = 0; i < 120; i++) {
                log.append(List.of(record(i + 3, 10_000))); // seal the first segment
            }
            try (RandomAccessFile raf = new RandomAccessFile(dir.resolve(Segment.fileName(0)).toFile(), "rw")) {
                raf.seek(pos[0] + size - 10);
                raf.write(0x55);
            }
            CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> log.read(pos[0], size));
            assertTrue(e.getMessage().contains("CRC"), e.getMessage());
            assertThrows(CorruptRecordException.class, () -> log.readBytes(pos[0], size));
            assertEquals(2, log.read(pos[1]).seq(), "its neighbour is unaffected");
        }
    }

    @Test
    void shouldNotDeleteTheActiveSegmentAndShouldReportReadsOfDeletedOnes() throws Exception {
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            long first = log.append(List.of(record(1, 100)))[0];
            for (int i = 0; i < 120; i++) {
                log.append(List.of(record(i + 2, 10_000)));
            }
            SegmentInfo oldest = log.segments().get(0);
            assertFalse(oldest.active());
            log.deleteSegment(oldest.base());
            assertFalse(Files.exists(dir.resolve(Segment.fileName(oldest.base()))));
            assertThrows(TimerLog.SegmentGoneException.class, () -> log.read(first));
            SegmentInfo active = log.segments().get(log.segments().size() - 1);
            assertThrows(IllegalStateException.class, () -> log.deleteSegment(active.base()));
        }
    }

    /**
     * A sealed segment loses a run of writes (a page read back as zeros, starting inside one record and ending inside
     * another) and a later record gets a flipped byte. A scan steps over both to the next records that pass their
     * checks and reports each: a replay does not lose the rest of the segment to one bad page.
     */
    @Test
    void shouldScanPastZerosAndACorruptRecordInASealedSegment() throws Exception {
        List<Long> positions = new ArrayList<>();
        int size;
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            for (long seq = 0; log.segments().size() < 2; seq++) {
                positions.add(log.append(List.of(record(seq, 10_000)))[0]);
            }
            size = record(0, 10_000).remaining();
        }
        // About 100 records of 10 KB fill the first segment; the last one appended opened the second.
        Path first = dir.resolve(Segment.fileName(0));
        try (RandomAccessFile f = new RandomAccessFile(first.toFile(), "rw")) {
            f.seek(positions.get(5) + size / 2); // from inside record 5 to inside record 8
            f.write(new byte[3 * size]);
            f.seek(positions.get(12) + 100);      // a flipped byte in record 12's body
            int b = f.read();
            f.seek(positions.get(12) + 100);
            f.write(b ^ 0x40);
            f.seek(positions.get(20));            // records 20 and 21 exactly: a run of zeros, then record 22
            f.write(new byte[(int) (positions.get(22) - positions.get(20))]);
        }
        List<Long> seqs = new ArrayList<>();
        List<String> damage = new ArrayList<>();
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            log.scan(0, r -> seqs.add(r.record().seq()),
                    (start, end, what) -> damage.add(start + "-" + end + " " + what));
        }
        List<Long> expected = new ArrayList<>();
        for (long seq = 0; seq < positions.size(); seq++) {
            if (!(seq >= 5 && seq <= 8) && seq != 12 && seq != 20 && seq != 21) {
                expected.add(seq);
            }
        }
        assertEquals(expected, seqs, "every record but those damaged, in order");
        assertEquals(List.of(positions.get(5) + "-" + positions.get(9) + " corrupt",
                positions.get(12) + "-" + positions.get(13) + " corrupt",
                positions.get(20) + "-" + positions.get(22) + " zeros where records continue after them (writes lost)"),
                damage.stream().map(d -> d.startsWith(positions.get(20) + "-") ? d
                        : d.substring(0, d.indexOf(" corrupt") + " corrupt".length())).toList());
    }

    @Test
    void shouldRefuseARecordLargerThanASegment() throws Exception {
        try (TimerLog log = TimerLog.open(dir, SEGMENT)) {
            assertThrows(IllegalArgumentException.class, () -> log.append(List.of(record(1, SEGMENT + 10))));
        }
    }
}
