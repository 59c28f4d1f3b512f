package io.sundial.store.time;

/**
 * The two notions of time Sundial needs, behind one interface so that tests can step both by hand.
 *
 * <p>Due times are wall-clock epoch milliseconds, the only clock producers share with Sundial. Waiting is
 * measured on a monotonic clock so that a wall-clock step (NTP) never shortens a sleep; a runner re-reads
 * wall time when it wakes. Implementations must be thread-safe.
 */
public interface Clock {
    /** Wall-clock time in epoch milliseconds; may step forward or back. */
    long wallMillis();

    /** Monotonic time in nanoseconds, only meaningful as a difference between two readings. */
    long monoNanos();

    /** The system clock. */
    Clock SYSTEM = new Clock() {
        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public long monoNanos() {
            return System.nanoTime();
        }
    };
}
