package io.sundial.store.log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class SegmentTableTest {
    private static final int SIZE = 4096;

    @TempDir
    Path dir;

    private final List<Segment> opened = new ArrayList<>();

    /** Three adjoining segments, at 0, SIZE and 2 * SIZE. */
    private List<Segment> segments;

    @BeforeEach
    void createSegments() throws IOException {
        segments = List.of(segment(0), segment(SIZE), segment(2 * SIZE));
    }

    @AfterEach
    void closeSegments() throws IOException {
        for (Segment s : opened) {
            s.close();
        }
    }

    private Segment segment(long base) throws IOException {
        Segment s = Segment.create(dir, base, SIZE, SegmentChannels.FILES);
        opened.add(s);
        return s;
    }

    @Test
    void shouldFindTheSegmentAtOrBeforeEachPositionWhateverTheOrderTheyCameIn() throws IOException {
        Segment a = segments.get(0);
        Segment b = segments.get(1);
        Segment c = segments.get(2);
        SegmentTable t = SegmentTable.EMPTY.with(c).with(a).with(b);
        assertEquals(List.of(a, b, c), t.all(), "oldest first");
        assertSame(a, t.floor(0));
        assertSame(a, t.floor(SIZE - 1));
        assertSame(b, t.floor(SIZE));
        assertSame(c, t.floor(10 * SIZE), "past the end: the last, whose contains() then says no");
        assertNull(SegmentTable.EMPTY.with(b).floor(SIZE - 1), "before the first base");
        assertSame(b, t.get(SIZE));
        assertNull(t.get(SIZE + 1), "get wants a base, not a position inside");
        assertEquals(0, t.firstBase());
    }

    @Test
    void shouldRemoveAndReplaceWithoutChangingTheTableItCameFrom() throws IOException {
        Segment a = segments.get(0);
        Segment b = segments.get(1);
        Segment c = segments.get(2);
        SegmentTable full = SegmentTable.EMPTY.with(a).with(b).with(c);
        SegmentTable withoutMiddle = full.without(SIZE);
        assertEquals(List.of(a, c), withoutMiddle.all());
        assertSame(a, withoutMiddle.floor(SIZE + 5), "a gap falls to the segment before it");
        assertEquals(List.of(a, b, c), full.all(), "immutable");
        assertSame(full, full.without(123), "no segment at that base");
        assertEquals(List.of(a), SegmentTable.EMPTY.with(a).without(SIZE).all());
        assertEquals(List.of(), SegmentTable.EMPTY.with(a).without(0).all());
        Segment again = Segment.open(dir.resolve(fileName(SIZE)), SIZE, SegmentChannels.FILES);
        opened.add(again);
        assertEquals(List.of(a, again, c), full.with(again).all(), "same base: put in its place");
    }

    @Test
    void shouldListTheSegmentsFromTheOneHoldingAPosition() throws IOException {
        Segment a = segments.get(0);
        Segment b = segments.get(1);
        Segment c = segments.get(2);
        SegmentTable t = SegmentTable.EMPTY.with(a).with(b).with(c);
        assertEquals(List.of(b, c), t.from(SIZE + 100));
        assertEquals(List.of(c), t.from(2 * SIZE));
        assertEquals(List.of(a, b, c), t.from(-1), "before the first: all of them");
    }

    private static String fileName(long base) {
        return String.format("%020d", base) + Segment.SUFFIX;
    }
}
