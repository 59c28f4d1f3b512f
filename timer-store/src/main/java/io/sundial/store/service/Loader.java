package io.sundial.store.service;

import io.sundial.store.TimerStore;
import io.sundial.store.index.DueEntry;

import java.util.List;
import java.util.function.Predicate;

/**
 * Reads pending timers from the due index into memory, in key order, up to a window ahead of now and a bound on
 * how many are held.
 *
 * <p><b>The cursor.</b> The loader walks the index by its full 16-byte key, {@code (dueMs, seq)}, so a page
 * boundary inside one millisecond loses and repeats nothing however many timers share it. The cursor is the last
 * key read; the invariant the service keeps is that <i>every pending timer whose key is at or before the cursor is
 * in memory</i> (in the wheel, waiting in a lane or being dispatched) or was sent back to the store by its lane,
 * which re-reads it ({@link Scheduler}). When a read reaches the end of the window without filling its page, the
 * cursor jumps to {@code (horizon, Long.MAX_VALUE)}: the whole window is loaded. The cursor never moves back, so a
 * timer appended at or before it must be inserted directly, and one after it is left to the loader
 * ({@link #covers}).
 *
 * <p><b>Cost.</b> One RocksDB range read of at most {@code batchSize} entries per {@link #load}. Not thread-safe:
 * used by the wheel thread only.
 */
final class Loader {
    private final TimerStore store;
    private final long windowMs;
    private final int batchSize;
    private long cursorDueMs;
    private long cursorSeq = -1;
    /** The last read filled its page or was cut by the bound: more may be waiting before the horizon. */
    private boolean behind = true;

    Loader(TimerStore store, long windowMs, int batchSize) {
        this.store = store;
        this.windowMs = windowMs;
        this.batchSize = batchSize;
    }

    /**
     * Reads one page of timers after the cursor, due by {@code nowMs + window}, and offers each to {@code admit}
     * (which puts it in the wheel, or answers false for one already in memory). At most {@code room} are admitted.
     *
     * @return how many were admitted
     */
    int load(long nowMs, int room, Predicate<DueEntry> admit) {
        long horizon = nowMs > Long.MAX_VALUE - windowMs ? Long.MAX_VALUE - 1 : nowMs + windowMs;
        if (horizon < cursorDueMs) {
            return 0; // the wall clock stepped back: nothing new came into the window
        }
        int limit = Math.min(batchSize, room);
        if (limit <= 0) {
            behind = true;
            return 0;
        }
        List<DueEntry> page = store.scanDue(cursorDueMs, cursorSeq, horizon, limit);
        int admitted = 0;
        for (DueEntry e : page) {
            cursorDueMs = e.dueMs();
            cursorSeq = e.seq();
            if (admit.test(e)) {
                admitted++;
            }
        }
        behind = page.size() == limit;
        if (!behind) {
            cursorDueMs = horizon;
            cursorSeq = Long.MAX_VALUE;
        }
        return admitted;
    }

    /** Whether key {@code (dueMs, seq)} is at or before the cursor: in the loaded range. */
    boolean covers(long dueMs, long seq) {
        return dueMs < cursorDueMs || (dueMs == cursorDueMs && seq <= cursorSeq);
    }

    /** Whether the last read stopped short of the horizon (page full or no room). */
    boolean behind() {
        return behind;
    }

    long cursorDueMs() {
        return cursorDueMs;
    }

    long cursorSeq() {
        return cursorSeq;
    }
}
