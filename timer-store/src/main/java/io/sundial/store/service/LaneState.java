package io.sundial.store.service;

import io.sundial.store.wheel.TimerRef;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The wheel thread's state for one {@link Lane}: its fired timers in due order, whether a batch is in flight,
 * its retry backoff, and where to re-read it from the store after some of its timers left memory.
 *
 * <p><b>Leaving memory.</b> When a batch is answered {@link Outcome.Retry}, the retried timers and everything
 * queued behind them leave memory (they stay pending in the store), and so does every timer of the lane that
 * fires while it backs off or is still being re-read, so that the lane's order is kept and a failing lane holds
 * O(1) memory however many of its timers come due. The lane remembers only the smallest key that left
 * ({@link #reloadAfterDueMs}, {@link #reloadAfterSeq}: just before it) and the largest due time that left, and
 * re-reads from there through the store's per-topic index once the backoff is over. Not thread-safe.
 */
final class LaneState {
    /**
     * A lane that starts a burst sends this many timers first and doubles the batch each time one goes out full,
     * up to {@code dispatchBatchSize}: the burst's first messages are stored after a small batch's round trip
     * instead of waiting for a full batch to be read, encoded and stored (a herd's first message: 26 ms late with
     * 256-timer batches).
     */
    static final int FIRST_BATCH = 16;

    final Lane lane;
    final ArrayDeque<Fired> queue = new ArrayDeque<>();
    /**
     * A batch of this lane is with the dispatcher, not yet answered; at most one at a time keeps the lane's order
     * (a batch the backend took whole frees the lane before it is settled: see {@link Delivery}).
     */
    boolean inFlight;
    /** In the scheduler's ready queue. */
    boolean ready;
    /** Free to send but waiting for more timers (see {@link Scheduler#LINGER_BATCH}); not in the ready queue. */
    boolean lingering;
    /** Consecutive batches answered with a retry; reset by a delivery. */
    int attempts;
    boolean backingOff;
    long backoffUntilNanos;
    /** Its topic is paused: held like a lane backing off, but until the topic is resumed (not in the queue). */
    boolean held;
    /** Some of the lane's timers left memory and must be re-read from the store, after the key below. */
    boolean reloading;
    long reloadAfterDueMs;
    long reloadAfterSeq;
    /** The latest due time among timers that left: re-reading is done only once the wall clock has passed it. */
    long maxDroppedDueMs;
    /**
     * Its last batch was as large as allowed: the lane is draining a burst, and what is left of it goes at once
     * rather than lingering (see {@link Scheduler#LINGER_BATCH}).
     */
    boolean lastBatchFull;
    /** The most timers its next batch may carry (slow start, see {@link #takeBatch}). */
    private int batchLimit = FIRST_BATCH;

    LaneState(Lane lane) {
        this.lane = lane;
    }

    /** Records that {@code ref} left memory and will be re-read. O(1). */
    void dropped(TimerRef ref) {
        long afterSeq = ref.seq() - 1;
        if (!reloading || ref.dueMs() < reloadAfterDueMs
                || (ref.dueMs() == reloadAfterDueMs && afterSeq < reloadAfterSeq)) {
            reloadAfterDueMs = ref.dueMs();
            reloadAfterSeq = afterSeq;
        }
        maxDroppedDueMs = reloading ? Math.max(maxDroppedDueMs, ref.dueMs()) : ref.dueMs();
        reloading = true;
    }

    /**
     * Takes the lane's next batch, in due order: at most {@code maxBatch} timers and at most the slow-start limit,
     * which doubles when a batch goes out full. It starts over only with a new lane state, once the lane was idle
     * and forgotten: a lane whose queue empties between two loads of a backlog keeps its size (restarting it there
     * cut the service's backlog rate by a third).
     */
    List<Fired> takeBatch(int maxBatch) {
        int limit = Math.min(maxBatch, batchLimit);
        int n = Math.min(limit, queue.size());
        lastBatchFull = n == limit;
        List<Fired> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(queue.poll());
        }
        if (n == batchLimit) {
            batchLimit = (int) Math.min(maxBatch, 2L * batchLimit);
        }
        return batch;
    }

    /** Nothing queued, in flight, waiting or to re-read: the lane can be forgotten. */
    boolean idle() {
        return queue.isEmpty() && !inFlight && !backingOff && !reloading && !ready && !lingering;
    }
}
