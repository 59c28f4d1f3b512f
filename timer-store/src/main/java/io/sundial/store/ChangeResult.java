package io.sundial.store;

import io.sundial.store.index.DueEntry;

import java.util.List;

/**
 * The outcome of a cancel or reschedule by topic and unique key.
 *
 * @param status  what happened
 * @param changed the timers changed, as they were before the change (empty unless {@code CHANGED})
 */
public record ChangeResult(Status status, List<DueEntry> changed) {
    public enum Status {
        /** One or more pending timers were changed. */
        CHANGED,
        /** No pending timer has that key, and none ended recently. */
        NOT_FOUND,
        /** The timer was already delivered (its tombstone is still kept). */
        ALREADY_DELIVERED,
        /** The timer was already cancelled (its tombstone is still kept). */
        ALREADY_CANCELLED,
        /** The timer is being delivered right now: it can no longer be changed, and will be delivered. */
        TOO_LATE,
        /** The timer is parked: release it before rescheduling (a parked timer can be cancelled). */
        PARKED
    }

    static ChangeResult changed(List<DueEntry> entries) {
        return new ChangeResult(Status.CHANGED, List.copyOf(entries));
    }

    static ChangeResult of(Status status) {
        return new ChangeResult(status, List.of());
    }
}
