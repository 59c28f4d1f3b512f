package io.sundial.proxy.remoting;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts repeated events (refusals under a flood) and lets one log line through every 10 s at most, with the count
 * since the last: a flood is reported, not echoed once per request. Thread-safe.
 */
final class EveryTenSeconds {
    private static final long PERIOD_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final AtomicLong sinceLast = new AtomicLong();
    private final AtomicLong lastNanos = new AtomicLong(System.nanoTime() - PERIOD_NANOS);

    /** Counts one event; returns how many there were since the last line if one is due now, else 0. */
    long count() {
        sinceLast.incrementAndGet();
        long last = lastNanos.get();
        long now = System.nanoTime();
        if (now - last >= PERIOD_NANOS && lastNanos.compareAndSet(last, now)) {
            return sinceLast.getAndSet(0);
        }
        return 0;
    }
}
