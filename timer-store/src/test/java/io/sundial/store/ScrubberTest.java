package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.record.CorruptRecordException;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A byte flipped inside a sealed segment, as a failing disk would: the scrubber finds that one record by its CRC,
 * reports and counts it once, and every other record — its neighbours included — still reads as it was.
 */
class ScrubberTest {
    private static final String TOPIC = "Scrubbed";

    @TempDir
    Path dir;

    @Test
    void shouldFindAFlippedByteInASealedSegmentAndLeaveItsNeighboursReadable() throws Exception {
        List<DueEntry> entries = storeTimersOverSeveralSegments();
        DueEntry victim = middleOfFirstSegment(entries);
        flipByte(victim.position() + victim.size() - 5);

        try (TimerStore store = TimerStore.open(StoreFixture.config(dir).withScrub(0, 64L << 20),
                StoreFixture.clock())) {
            assertEquals(1, store.scrubNow(), "one corrupt record found");
            assertEquals(0, store.scrubNow(), "and counted once, however often it is checked");
            assertEquals(1, store.stats().corruptRecords());
            assertEquals(2, store.stats().scrubPasses());
            assertTrue(store.corruptRecords().latest().get(0).contains("position " + victim.position()),
                    store.corruptRecords().latest().toString());

            int readable = 0;
            for (DueEntry e : store.scanDue(0, -1, Long.MAX_VALUE / 2, 1_000)) {
                if (e.seq() == victim.seq()) {
                    assertThrows(CorruptRecordException.class, () -> store.read(e), "never returned as good");
                } else {
                    assertEquals(e.uniqKey(), store.read(e).uniqKey());
                    readable++;
                }
            }
            assertEquals(entries.size() - 1, readable, "every neighbour reads");
            assertEquals(1, store.stats().corruptRecords(), "the read for delivery found the same record");
        }
    }

    @Test
    void shouldScrubOnItsOwnEveryIntervalAndStopWithTheStore() throws Exception {
        List<DueEntry> entries = storeTimersOverSeveralSegments();
        DueEntry victim = middleOfFirstSegment(entries);
        flipByte(victim.position() + 40); // inside the record's fixed header: its CRC fails too
        TimerStore store = TimerStore.open(StoreFixture.config(dir).withScrub(50, 64L << 20), StoreFixture.clock());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.stats().corruptRecords() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, store.stats().corruptRecords(), "found by the background pass");
        } finally {
            store.close();
        }
        assertTrue(store.stats().closed());
    }

    /**
     * Writes lost in the middle of a sealed segment: a whole record reads as zeros, and a later record of the same
     * segment has a flipped byte. The scrubber reports the run of zeros (it used to take it for the segment's end)
     * and goes on past it, finding the flipped record too.
     */
    @Test
    void shouldReportARunOfZerosInASealedSegmentAndCheckWhatFollows() throws Exception {
        List<DueEntry> entries = storeTimersOverSeveralSegments();
        List<DueEntry> first = entries.stream().filter(e -> e.position() + e.size() <= 1 << 20).toList();
        assertTrue(first.size() >= 4, first.toString());
        DueEntry zeroed = first.get(1);
        DueEntry flipped = first.get(first.size() - 2);
        zero(zeroed.position(), zeroed.size());
        flipByte(flipped.position() + flipped.size() - 5);

        try (TimerStore store = TimerStore.open(StoreFixture.config(dir).withScrub(0, 64L << 20),
                StoreFixture.clock())) {
            assertEquals(2, store.scrubNow(), store.corruptRecords().latest().toString());
            List<String> found = store.corruptRecords().latest();
            assertTrue(found.get(0).contains("position " + zeroed.position()) && found.get(0).contains("zeros"),
                    found.toString());
            assertTrue(found.get(1).contains("position " + flipped.position()), found.toString());
        }
    }

    private void zero(long position, int size) throws IOException {
        Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("timerlog"))) {
            segment = files.sorted().findFirst().orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(size), position);
        }
    }

    /** 60 timers of 40 KB in 1 MiB segments: three sealed segments and an active one. */
    private List<DueEntry> storeTimersOverSeveralSegments() throws Exception {
        try (TimerStore store = TimerStore.open(StoreFixture.config(dir).withScrub(0, 64L << 20),
                StoreFixture.clock())) {
            List<AppendRequest> requests = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                requests.add(new AppendRequest(TestMessages.message(TOPIC, "u" + i, null, "x".repeat(40_000)),
                        StoreFixture.T0 + 3_600_000 + i));
            }
            store.appendAll(requests).get(30, TimeUnit.SECONDS);
            assertTrue(store.stats().segments() >= 3, "several segments: " + store.stats().segments());
            return store.scanDue(0, -1, Long.MAX_VALUE / 2, 1_000);
        }
    }

    private static DueEntry middleOfFirstSegment(List<DueEntry> entries) {
        List<DueEntry> first = entries.stream().filter(e -> e.position() + e.size() <= 1 << 20).toList();
        assertTrue(first.size() >= 3, "records in the first segment: " + first.size() + " of " + entries.size()
                + ", positions " + entries.stream().limit(5).map(e -> e.position() + "+" + e.size()).toList());
        return first.get(first.size() / 2);
    }

    /** Flips one byte of the first segment file (base 0) at {@code position}, behind the store's back. */
    private void flipByte(long position) throws IOException {
        Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("timerlog"))) {
            segment = files.sorted().findFirst().orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ 0x10));
            b.rewind();
            ch.write(b, position);
            ch.force(true);
        }
    }
}
