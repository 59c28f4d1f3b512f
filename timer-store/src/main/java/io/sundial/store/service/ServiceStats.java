package io.sundial.store.service;

/**
 * A snapshot of the timer service's counters and memory, read without locks (fields may be from slightly
 * different instants). Counts are since start.
 *
 * @param fired           timers the wheel fired (a retried timer fires again when re-read)
 * @param delivered       timers the dispatcher delivered and the service acknowledged
 * @param retried         timer deliveries answered {@link Outcome.Retry} (or failed)
 * @param parked          timers parked: answered {@link Outcome.Park}, or their record was corrupt
 * @param skipped         fired timers not dispatched because they were cancelled or moved before dispatch
 * @param loaded          timers the loader read from the due index into the wheel
 * @param directInserts   timers put into the wheel as they were appended, released or rescheduled
 * @param reloaded        timers read again from the store for a lane after a retry backoff
 * @param inWheel         timers in the wheel now
 * @param outOfWheel      fired timers waiting in a lane or being dispatched now
 * @param lanes           lanes with work or state now
 * @param lanesBackingOff lanes waiting out a retry backoff now
 * @param loaderCursorMs  the due time of the loader's cursor: pending timers due up to it are in memory
 * @param lastFireLagMs   how late (wall now minus due) the last fired timer was; 0 when on time
 * @param maxFireLagMs    the largest such lag so far
 */
public record ServiceStats(long fired, long delivered, long retried, long parked, long skipped, long loaded,
                           long directInserts, long reloaded, int inWheel, int outOfWheel, int lanes,
                           int lanesBackingOff, long loaderCursorMs, long lastFireLagMs, long maxFireLagMs) {
}
