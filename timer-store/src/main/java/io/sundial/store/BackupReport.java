package io.sundial.store;

import java.nio.file.Path;

/**
 * What one online backup wrote.
 *
 * @param directory the backup, a store directory Sundial can be started on
 * @param pending   timers pending in its index (as in the running store at the instant it copies); those its journal
 *                  names as delivered are acknowledged when it is opened
 * @param segments  timer-log segments in it
 * @param bytes     the size of its files (segment files at their full size, as the store makes them)
 * @param heldNanos how long writes and acknowledgements waited for the copy to be pinned
 * @param tookNanos how long the whole backup took
 * @param doneAtMs  when it was done (wall clock)
 */
public record BackupReport(Path directory, long pending, int segments, long bytes, long heldNanos, long tookNanos,
                           long doneAtMs) {
}
