package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.record.LogRecord;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A change that goes through the single log writer: everything that appends a log record. */
sealed interface PendingWrite {
    CompletableFuture<?> future();

    /** New timers, written atomically as one group. */
    record Append(List<PreparedAppend> appends, CompletableFuture<List<AppendResult>> future)
            implements PendingWrite {
    }

    /** Cancel every pending timer with this unique key, or only the one with {@code onlySeq} if not negative. */
    record Cancel(String topic, String uniqKey, long onlySeq, CompletableFuture<ChangeResult> future)
            implements PendingWrite {
    }

    /** Move every pending timer with this unique key (or only {@code onlySeq}) to {@code newDueMs}. */
    record Reschedule(String topic, String uniqKey, long onlySeq, long newDueMs,
                      CompletableFuture<ChangeResult> future) implements PendingWrite {
    }

    /**
     * Copy a compacted segment's cancels and reschedules forward (decision 0048); the last write of a segment's
     * copies also lets go of what kept it. Completes with how many records this write copied.
     */
    record CopyChanges(long fromSegment, List<LogRecord> changes, boolean last, CompletableFuture<Integer> future)
            implements PendingWrite {
    }

    /** Copy live records forward (compaction) if each is still live where it was read. */
    record Move(List<Candidate> candidates, CompletableFuture<Integer> future) implements PendingWrite {
        record Candidate(DueEntry expected, LogRecord record) {
        }
    }
}
