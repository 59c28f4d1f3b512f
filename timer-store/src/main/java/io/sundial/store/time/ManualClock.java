package io.sundial.store.time;

import java.util.concurrent.TimeUnit;

/**
 * A clock that moves only when told to. Wall and monotonic time advance together on {@link #advance}; the
 * wall clock alone can be stepped to model an NTP correction. Thread-safe.
 */
public final class ManualClock implements Clock {
    private volatile long wallMillis;
    private volatile long monoNanos;

    public ManualClock(long startWallMillis) {
        this.wallMillis = startWallMillis;
    }

    @Override
    public long wallMillis() {
        return wallMillis;
    }

    @Override
    public long monoNanos() {
        return monoNanos;
    }

    /** Moves both clocks forward by {@code millis}. */
    public synchronized void advance(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("advance takes a non-negative duration, got " + millis + " ms");
        }
        wallMillis += millis;
        monoNanos += TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Sets the wall clock to {@code epochMillis} without moving the monotonic clock (an NTP step). */
    public synchronized void stepWallTo(long epochMillis) {
        wallMillis = epochMillis;
    }
}
