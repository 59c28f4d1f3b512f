package io.sundial.store;

import io.sundial.store.index.DueEntry;

import java.util.Collection;
import java.util.List;

/**
 * One deliverer's hold on the timers it is delivering (the timer service opens one per run).
 *
 * <p>{@link #begin} marks fired timers in flight and reads them. While a timer is in flight, cancel and reschedule
 * answer {@link ChangeResult.Status#TOO_LATE} and compaction leaves its record where it is, so the entry read
 * stays true until {@link #ack}, {@link #park} or {@link #end} settles it: that is what lets the acknowledgement
 * write without reading the index again. {@link #close} ends whatever is still in flight (a dispatcher that did
 * not answer before the service stopped); a late answer for those changes nothing, as the timers are not this
 * session's any more and may be delivered again, by the next run (at least once).
 *
 * <p>Thread-safe.
 */
public final class DeliverySession implements AutoCloseable {
    private final TimerStore store;
    /** Set by {@link #close}, read by {@link #begin}, both under the lock of the store's {@link DeliveryMarks}. */
    boolean closed;

    DeliverySession(TimerStore store) {
        this.store = store;
    }

    /**
     * Marks the timers filed under {@code ids} in flight and returns them in the same order: null where one is no
     * longer pending under its id (cancelled, rescheduled, acknowledged) or is already in flight, and for all of
     * them once the session is closed (a dispatch task that outlived its service must not hold them).
     */
    public List<DueEntry> begin(List<TimerId> ids) {
        return store.beginDelivery(this, ids);
    }

    /**
     * Acknowledges delivered timers that {@link #begin} returned, without reading the index, and ends their
     * delivery, also when the write fails (they then stay pending and are delivered again after a restart).
     * Returns how many were acknowledged: those this session no longer holds are skipped. A failed write throws a
     * {@link StoreException}, which the store has logged (once per episode of failures).
     */
    public int ack(List<DueEntry> delivered) {
        return store.ackDelivering(this, delivered);
    }

    /**
     * Records timers the backend took whose {@link #ack} will wait (a burst): if Sundial stops before it is
     * written, the store acknowledges them when it opens instead of their being delivered again. Only delivered
     * timers may be recorded. Written without fsync; a failure is logged and costs only duplicates after a crash.
     */
    public void recordDelivered(List<DueEntry> delivered) {
        store.recordDelivered(delivered);
    }

    /**
     * Forgets every timer recorded, by any session: call it when all are acknowledged. One whose acknowledgement
     * write failed is then delivered again after a restart (at least once).
     */
    public void forgetRecorded() {
        store.forgetRecorded();
    }

    /**
     * Parks a timer in flight after a permanent delivery failure (see {@link TimerStore#release}) and ends its
     * delivery; false if it was not parked (no longer pending, or not this session's).
     */
    public boolean park(DueEntry entry, String reason) {
        return store.park(this, entry, reason);
    }

    /** Ends the delivery of timers not delivered (to be retried, or skipped): they can change again. */
    public void end(Collection<TimerId> ids) {
        store.endDelivery(this, ids);
    }

    /** Ends every delivery still in flight. */
    @Override
    public void close() {
        store.abandonDeliveries(this);
    }
}
