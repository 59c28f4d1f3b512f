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
    /** Monotonic time of the last touch; until the first, a century before the store opened. */
    private volatile long lastNanos;

    ForegroundActivity(Clock clock) {
        this.clock = clock;
        this.lastNanos = clock.monoNanos() - (1L << 62);
    }

    void touch() {
        lastNanos = clock.monoNanos();
    }

    /** Whether foreground work happened less than {@code nanos} ago. */
    boolean within(long nanos) {
        return clock.monoNanos() - lastNanos < nanos;
    }
}
