package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.Keys;

/** Names a pending timer by its due-index key: the due time it is filed under, and its sequence. */
public record TimerId(long dueMs, long seq) {

    /** The id of the timer {@code e} is the due-index entry of. */
    public static TimerId of(DueEntry e) {
        return new TimerId(e.dueMs(), e.seq());
    }

    /** Its key in the due index. */
    public byte[] dueKey() {
        return Keys.due(dueMs, seq);
    }
}
