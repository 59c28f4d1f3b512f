package io.sundial.proxy.admin;

import io.sundial.store.time.Clock;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Timers delivered per second over about the last minute, from samples of the delivered counter taken when
 * asked (at most one per {@link #SAMPLE_EVERY_MS}): no thread of its own. Thread-safe.
 */
final class DeliveryRate {
    private static final long WINDOW_MS = 60_000;
    private static final long SAMPLE_EVERY_MS = 1_000;

    private final LongSupplier delivered;
    private final Clock clock;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    DeliveryRate(LongSupplier delivered, Clock clock) {
        this.delivered = delivered;
        this.clock = clock;
        sample();
    }

    /** Takes a sample if the last is a second old; call it periodically (the admin status does). */
    synchronized void sample() {
        long now = clock.monoNanos() / 1_000_000;
        if (samples.isEmpty() || now - samples.peekLast()[0] >= SAMPLE_EVERY_MS) {
            samples.addLast(new long[] {now, delivered.getAsLong()});
        }
        while (samples.size() > 2 && now - samples.peekFirst()[0] > WINDOW_MS) {
            samples.removeFirst();
        }
    }

    /** Delivered per second between the oldest sample in the window and now. */
    synchronized double perSecond() {
        sample();
        long now = clock.monoNanos() / 1_000_000;
        long[] first = samples.peekFirst();
        long elapsed = now - first[0];
        return elapsed <= 0 ? 0 : (delivered.getAsLong() - first[1]) * 1000.0 / elapsed;
    }
}
