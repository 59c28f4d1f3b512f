package io.sundial.store.log;

import java.util.Arrays;
import java.util.List;

/**
 * The log's segments by base position, oldest first. Immutable: a roll or a deletion makes a new table, so a lookup
 * is a binary search over an array whose branches every read takes alike. A concurrent skip list was here before;
 * its lookups unlink index nodes of a deleted segment lazily, a branch the JIT had never seen taken, and the trap
 * discarded the compiled delivery path at the start of a burst (decision 0030).
 */
final class SegmentTable {
    static final SegmentTable EMPTY = new SegmentTable(new long[0], new Segment[0]);

    private final long[] bases;
    private final Segment[] segments;

    private SegmentTable(long[] bases, Segment[] segments) {
        this.bases = bases;
        this.segments = segments;
    }

    /** The segment with the greatest base at or before {@code position}; null if none. */
    Segment floor(long position) {
        int i = floorIndex(position);
        return i < 0 ? null : segments[i];
    }

    /** The segment whose base is {@code base}; null if none. */
    Segment get(long base) {
        int i = floorIndex(base);
        return i >= 0 && bases[i] == base ? segments[i] : null;
    }

    /** The oldest segment's base; the table must not be empty. */
    long firstBase() {
        return bases[0];
    }

    int size() {
        return segments.length;
    }

    /** Every segment, oldest first. */
    List<Segment> all() {
        return List.of(segments);
    }

    /** The segment holding {@code position} (by {@link #floor}) and every later one; all of them if none. */
    List<Segment> from(long position) {
        int i = Math.max(0, floorIndex(position));
        return List.of(segments).subList(i, segments.length);
    }

    /** This table with {@code segment} added (or put in place of one with the same base). */
    SegmentTable with(Segment segment) {
        int i = floorIndex(segment.base());
        if (i >= 0 && bases[i] == segment.base()) {
            Segment[] replaced = segments.clone();
            replaced[i] = segment;
            return new SegmentTable(bases, replaced);
        }
        int at = i + 1;
        long[] b = new long[bases.length + 1];
        Segment[] s = new Segment[segments.length + 1];
        System.arraycopy(bases, 0, b, 0, at);
        System.arraycopy(segments, 0, s, 0, at);
        b[at] = segment.base();
        s[at] = segment;
        System.arraycopy(bases, at, b, at + 1, bases.length - at);
        System.arraycopy(segments, at, s, at + 1, segments.length - at);
        return new SegmentTable(b, s);
    }

    /** This table without the segment whose base is {@code base} (itself if there is none). */
    SegmentTable without(long base) {
        int i = floorIndex(base);
        if (i < 0 || bases[i] != base) {
            return this;
        }
        long[] b = new long[bases.length - 1];
        Segment[] s = new Segment[segments.length - 1];
        System.arraycopy(bases, 0, b, 0, i);
        System.arraycopy(segments, 0, s, 0, i);
        System.arraycopy(bases, i + 1, b, i, bases.length - i - 1);
        System.arraycopy(segments, i + 1, s, i, segments.length - i - 1);
        return new SegmentTable(b, s);
    }

    /** Index of the greatest base at or before {@code position}; -1 if every base is after it. */
    private int floorIndex(long position) {
        int lo = 0;
        int hi = bases.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (bases[mid] <= position) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    @Override
    public String toString() {
        return "SegmentTable" + Arrays.toString(bases);
    }
}
