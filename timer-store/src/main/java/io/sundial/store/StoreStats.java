package io.sundial.store;

/**
 * A snapshot of the store's size and activity.
 *
 * @param pending         pending timers
 * @param segments        timer-log segment files
 * @param logBytes        bytes of timer-log segments (their declared size)
 * @param indexBytes      bytes of index files
 * @param ledgerBytes     bytes of the ledger of delivered timers (decision 0050)
 * @param writePosition   end of the log
 * @param flushedPosition end of the fsynced part of the log
 * @param fsyncs          fsyncs so far
 * @param fsyncNanos      time spent in them
 * @param queuedWrites    writes waiting for the committer
 * @param indexCacheBytes memory the index's block cache and memtables use
 * @param cancelled       timers cancelled since the store opened
 * @param rescheduled     timers rescheduled since the store opened
 * @param corruptRecords  timer-log records found corrupt since the store opened (by the scrubber or a read)
 * @param scrubPasses     scrubber passes completed since the store opened
 * @param lastScrubEndMs  wall time the last scrubber pass ended; 0 before the first
 * @param closed          whether the store is closed (or closing)
 */
public record StoreStats(long pending, int segments, long logBytes, long indexBytes, long ledgerBytes,
                         long writePosition,
                         long flushedPosition, long fsyncs, long fsyncNanos, int queuedWrites, long indexCacheBytes,
                         long cancelled, long rescheduled, long corruptRecords, long scrubPasses,
                         long lastScrubEndMs, boolean closed) {
}
