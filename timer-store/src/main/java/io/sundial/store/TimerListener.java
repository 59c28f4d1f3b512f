package io.sundial.store;

import io.sundial.store.index.DueEntry;

import java.util.List;

/**
 * Told of changes to pending timers, after the index has them and in the order they were made (the store
 * calls it under its write lock). The timing wheel listens to insert and cancel; implementations must be quick
 * and must not call back into the store.
 */
public interface TimerListener {
    /** New timers, indexed. */
    default void onAppended(List<DueEntry> timers) {
    }

    /** A timer cancelled while pending. */
    default void onCancelled(DueEntry timer) {
    }

    /** A pending timer moved to a new due time. */
    default void onRescheduled(DueEntry before, DueEntry after) {
    }

    TimerListener NONE = new TimerListener() {
    };
}
