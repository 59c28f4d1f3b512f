package io.sundial.store;

/**
 * What one space-reclaim pass did.
 *
 * @param deletedSegments   empty segments deleted
 * @param compactedSegments sparse segments whose live records were moved forward
 * @param movedRecords      live records moved by compaction
 * @param expiredTombstones unique-key tombstones forgotten
 */
public record ReclaimReport(int deletedSegments, int compactedSegments, long movedRecords, int expiredTombstones) {
}
