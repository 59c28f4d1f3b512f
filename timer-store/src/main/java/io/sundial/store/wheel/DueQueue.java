package io.sundial.store.wheel;

import java.util.function.Consumer;

/**
 * The timers of the wheel's current tick, plus those added after their tick had passed.
 *
 * <p>A tick may be longer than a millisecond, yet no timer may fire before its exact due millisecond. So the current
 * tick is split into one list per millisecond: firing walks them in order up to {@code now} and leaves the rest,
 * which also yields due order across milliseconds and insertion order within one. Timers that arrive already
 * late (due before the current tick) go to a separate list fired first, in arrival order.
 */
final class DueQueue {
    private final WheelBucket late = new WheelBucket(WheelBucket.DUE, -1, 0);
    private final WheelBucket[] byMs;
    private long tickStartMs;
    /** No list below this offset holds a timer; spares rescanning lists already drained in this tick. */
    private int cursor;
    private int pending;
    /** Never above the earliest due time in {@link #late}; may be stale-low after removals. */
    private long lateMinDueMs = Long.MAX_VALUE;

    DueQueue(long tickMs) {
        byMs = new WheelBucket[(int) tickMs];
        for (int offset = 0; offset < byMs.length; offset++) {
            byMs[offset] = new WheelBucket(WheelBucket.DUE, offset, 0);
        }
    }

    boolean isEmpty() {
        return pending == 0;
    }

    /** Starts a new current tick; the queue must be empty. */
    void startTick(long tickStartMs) {
        if (pending != 0) {
            throw new IllegalStateException("moving to the tick at " + tickStartMs + " ms with " + pending
                + " timers of the tick at " + this.tickStartMs + " ms unfired");
        }
        this.tickStartMs = tickStartMs;
        this.cursor = 0;
    }

    /** Adds a timer due in the current tick or earlier. */
    void add(WheelNode node) {
        long dueMs = node.ref.dueMs();
        if (dueMs < tickStartMs) {
            late.append(node);
            lateMinDueMs = Math.min(lateMinDueMs, dueMs);
        } else {
            int offset = (int) (dueMs - tickStartMs);
            byMs[offset].append(node);
            cursor = Math.min(cursor, offset);
        }
        pending++;
    }

    /** Unlinks a node of this queue; used both for firing and for cancel. */
    void remove(WheelNode node) {
        node.bucket.remove(node);
        pending--;
        if (late.isEmpty()) {
            lateMinDueMs = Long.MAX_VALUE;
        }
    }

    /** The earliest time a queued timer is due, or {@code Long.MAX_VALUE} if none; never later than the truth. */
    long earliestDueMs() {
        if (!late.isEmpty()) {
            return lateMinDueMs;
        }
        if (pending == 0) {
            return Long.MAX_VALUE;
        }
        for (int offset = cursor; offset < byMs.length; offset++) {
            if (!byMs[offset].isEmpty()) {
                return tickStartMs + offset;
            }
        }
        throw new IllegalStateException(pending + " timers counted in the current tick but none found");
    }

    /**
     * Unlinks and hands to {@code onFire} up to {@code budget} timers due at or before {@code nowMs}, earliest
     * first. Lists are re-read from their head after each call out, so {@code onFire} may add or cancel timers.
     *
     * @return how many were fired; fewer than {@code budget} means none due at {@code nowMs} is left
     */
    int fire(long nowMs, int budget, Consumer<WheelNode> onFire) {
        int fired = 0;
        // A pass that fires nothing means nothing due is left: timers are only added from within onFire.
        while (pending > 0 && fired < budget) {
            int firedBefore = fired;
            fired += fireLate(nowMs, budget - fired, onFire);
            fired += fireByMs(nowMs, budget - fired, onFire);
            if (fired == firedBefore) {
                break;
            }
        }
        return fired;
    }

    private int fireByMs(long nowMs, int budget, Consumer<WheelNode> onFire) {
        int fired = 0;
        long lastOffset = lastDueOffset(nowMs);
        while (cursor <= lastOffset) {
            WheelBucket bucket = byMs[cursor];
            WheelNode node;
            while ((node = bucket.head()) != null) {
                if (fired == budget) {
                    return fired;
                }
                remove(node);
                onFire.accept(node);
                fired++;
            }
            cursor++;
        }
        return fired;
    }

    /** The offset of the last per-millisecond list due at {@code nowMs}, or -1; safe against long overflow. */
    private long lastDueOffset(long nowMs) {
        if (nowMs < tickStartMs) {
            return -1;
        }
        long elapsed = nowMs - tickStartMs;
        return elapsed < 0 || elapsed >= byMs.length ? byMs.length - 1 : elapsed;
    }

    private int fireLate(long nowMs, int budget, Consumer<WheelNode> onFire) {
        int fired = 0;
        WheelNode node = late.head();
        // Late timers are all due before the current tick, so they are skipped only when the caller's clock
        // stepped back behind them.
        while (node != null && fired < budget) {
            WheelNode next = node.next;
            if (node.ref.dueMs() <= nowMs) {
                remove(node);
                onFire.accept(node);
                fired++;
                if (next != null && next.bucket != late) {
                    next = late.head();
                }
            }
            node = next;
        }
        return fired;
    }
}
