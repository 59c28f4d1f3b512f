package io.sundial.store.service;

import java.util.Objects;

/**
 * What a {@link Dispatcher} did with one due timer.
 *
 * <ul>
 *   <li>{@link Delivered}: re-published; the service acknowledges it in the store, which forgets it.</li>
 *   <li>{@link Retry}: a transient failure; the timer stays pending in the store and leaves memory, and its lane
 *       waits a capped, jittered, growing backoff before the lane's timers are read again from the store. A paused
 *       topic answers this too.</li>
 *   <li>{@link Park}: a permanent failure (a deleted topic, a message the backend refuses); the store keeps the
 *       timer aside, visible to admin commands, until an admin releases it. It is never dropped.</li>
 * </ul>
 */
public sealed interface Outcome permits Outcome.Delivered, Outcome.Retry, Outcome.Park {

    /** The one {@link Delivered} instance. */
    Outcome DELIVERED = new Delivered();

    static Outcome delivered() {
        return DELIVERED;
    }

    static Outcome retry(String reason) {
        return new Retry(reason);
    }

    static Outcome park(String reason) {
        return new Park(reason);
    }

    /** Re-published: acknowledge it. */
    record Delivered() implements Outcome {
    }

    /** Not re-published this time, for {@code reason}; try again after a backoff. */
    record Retry(String reason) implements Outcome {
        public Retry {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Will never be re-published as it is, for {@code reason}; park it in the store. */
    record Park(String reason) implements Outcome {
        public Park {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
