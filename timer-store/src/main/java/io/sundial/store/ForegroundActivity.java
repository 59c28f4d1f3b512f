package io.sundial.store;

import io.sundial.store.time.Clock;

/**
 * When the store last did work that someone is waiting for: storing sent timers, or starting a delivery. Work that
 * nobody waits for (forgetting tombstones) asks it whether to hold back, because on a machine with few cores every
 * CPU-millisecond it takes during a burst is a millisecond of lateness for the burst. Thread-safe: touched by the
 * callers of appends and by the delivery threads, read by the reclaim thread.
 */
final class ForegroundActivity {
    private final Clock clock;
    /** Monotonic time of the last touch; meaningful only once {@link #touched}. */
    private volatile long lastNanos;
    private volatile boolean touched;

    ForegroundActivity(Clock clock) {
        this.clock = clock;
    }

    void touch() {
        lastNanos = clock.monoNanos();
        touched = true;
    }

    /** Whether foreground work happened less than {@code nanos} ago. */
    boolean within(long nanos) {
        return touched && clock.monoNanos() - lastNanos < nanos;
    }
}
