package io.sundial.store;

/**
 * What one space-reclaim pass did.
 *
 * @param deletedSegments   empty segments deleted
 * @param compactedSegments sparse segments whose live records were moved forward
 * @param movedRecords      live records moved by compaction
 * @param copiedChanges     cancels and reschedules copied forward by compaction (decision 0048)
 * @param expiredTombstones unique-key tombstones forgotten
 * @param forgottenDeliveries entries of the {@link DeliveredLedger} forgotten: their timers' segments are gone
 * @param moreTombstonesDue the pass stopped at its limit of expiries with more expired: the next can start now
 * @param expiryDeferred    the pass ended while appends or deliveries were under way, leaving tombstones that
 *                          expired within the last minute for a later pass
 * @param expiryWorkNanos   time spent forgetting them
 * @param expiryRestNanos   time the pass rested between chunks of them, so as to take a share of a core only
 */
public record ReclaimReport(int deletedSegments, int compactedSegments, long movedRecords, long copiedChanges,
                            int expiredTombstones, long forgottenDeliveries,
                            boolean moreTombstonesDue, boolean expiryDeferred, long expiryWorkNanos,
                            long expiryRestNanos) {
}
