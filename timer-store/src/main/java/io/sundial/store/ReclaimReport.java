package io.sundial.store;

/**
 * What one space-reclaim pass did.
 *
 * @param deletedSegments   empty segments deleted
 * @param compactedSegments sparse segments whose live records were moved forward
 * @param movedRecords      live records moved by compaction
 * @param expiredTombstones unique-key tombstones forgotten
 * @param expiryWorkNanos   time spent forgetting them
 * @param expiryRestNanos   time the pass rested between chunks of them, so as to take a share of a core only
 */
public record ReclaimReport(int deletedSegments, int compactedSegments, long movedRecords, int expiredTombstones,
                            long expiryWorkNanos, long expiryRestNanos) {
}
