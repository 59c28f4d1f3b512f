package io.sundial.store.log;

import java.util.Map;
import java.util.TreeMap;

/**
 * The parts of the log whose fsync failed. Linux reports a failed writeback once and then marks the pages clean,
 * so a later fsync that succeeds does not cover them: their bytes may never reach the disk (PostgreSQL's
 * "fsyncgate"). A range runs on to the end of its segment: what is written there after the failure, before the
 * segment is sealed, lies behind the hole in the last segment, which a restart cuts at the hole. Whoever would
 * take such a record as durable later (the flusher, a producer's retry answered as the same send) asks
 * {@link #contains} first. Kept in memory only: after a restart the log holds what reached the disk, and a record
 * that did not reads as corrupt. At most {@link #MAX_RANGES} ranges, the oldest forgotten first.
 * Thread-safe.
 */
final class FailedFsyncRanges {
    static final int MAX_RANGES = 4096;

    /** Start position to end position (exclusive). Guarded by this. */
    private final TreeMap<Long, Long> ranges = new TreeMap<>();
    private volatile boolean empty = true;

    /** Notes that the records in {@code [from, to)} cannot rest on any fsync (see the class comment). */
    synchronized void add(long from, long to) {
        if (to <= from) {
            return;
        }
        Map.Entry<Long, Long> before = ranges.floorEntry(from);
        if (before != null && before.getValue() >= from) {
            from = before.getKey();
            to = Math.max(to, before.getValue());
        }
        Map.Entry<Long, Long> after = ranges.ceilingEntry(from);
        while (after != null && after.getKey() <= to) {
            to = Math.max(to, after.getValue());
            ranges.remove(after.getKey());
            after = ranges.ceilingEntry(from);
        }
        ranges.put(from, to);
        if (ranges.size() > MAX_RANGES) {
            ranges.pollFirstEntry();
        }
        empty = false;
    }

    /** Whether {@code position} lies in a range whose fsync failed. O(1) while no fsync has failed. */
    boolean contains(long position) {
        if (empty) {
            return false;
        }
        synchronized (this) {
            Map.Entry<Long, Long> e = ranges.floorEntry(position);
            return e != null && position < e.getValue();
        }
    }

    boolean isEmpty() {
        return empty;
    }
}
