package io.sundial.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What one run expects and what its consumer saw, per message number (the message key): the intended delivery
 * time, whether the send was acknowledged, and the first receive time. Thread-safe for one sender and many
 * consumer threads.
 */
final class Receipts {
    private static final long NONE = Long.MIN_VALUE;

    private final long[] due;
    private final AtomicLongArray acked;
    private final AtomicLongArray received;
    private final AtomicLongArray stored;
    private final AtomicLongArray fired;
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong strays = new AtomicLong();
    private final AtomicLong receivedCount = new AtomicLong();
    private final AtomicLong acknowledgedCount = new AtomicLong();

    Receipts(int messages) {
        due = new long[messages];
        acked = new AtomicLongArray(messages);
        received = new AtomicLongArray(messages);
        stored = new AtomicLongArray(messages);
        fired = new AtomicLongArray(messages);
        for (int i = 0; i < messages; i++) {
            received.set(i, NONE);
            stored.set(i, NONE);
            fired.set(i, NONE);
        }
    }

    int size() {
        return due.length;
    }

    /** Called by the sender before the send of message {@code i}. */
    void expect(int i, long dueMs) {
        due[i] = dueMs;
    }

    long due(int i) {
        return due[i];
    }

    void acknowledged(int i) {
        if (acked.getAndSet(i, 1) == 0) {
            acknowledgedCount.incrementAndGet();
        }
    }

    boolean isAcknowledged(int i) {
        return acked.get(i) == 1;
    }

    /**
     * A message arrived at the consumer; {@code key} is its message number, anything else is a stray.
     * {@code storedMs} is when the broker stored it on the real topic (its store timestamp): when it became visible;
     * {@code firedMs} when Sundial's wheel fired it ({@code SUNDIAL_FIRED_MS}), or {@code Long.MIN_VALUE}.
     */
    void received(String key, long atMs, long storedMs, long firedMs) {
        int i;
        try {
            i = Integer.parseInt(key);
        } catch (NumberFormatException e) {
            strays.incrementAndGet();
            return;
        }
        if (i < 0 || i >= due.length) {
            strays.incrementAndGet();
        } else if (received.compareAndSet(i, NONE, atMs)) {
            stored.set(i, storedMs);
            fired.set(i, firedMs);
            receivedCount.incrementAndGet();
        } else {
            duplicates.incrementAndGet();
        }
    }

    long receivedCount() {
        return receivedCount.get();
    }

    long receivedAt(int i) {
        return received.get(i);
    }

    /** When the broker stored the first copy received of message {@code i}. */
    long storedAt(int i) {
        return stored.get(i);
    }

    /** When Sundial fired the first copy received of message {@code i}; {@code Long.MIN_VALUE} if not known. */
    long firedAt(int i) {
        return fired.get(i);
    }

    boolean wasReceived(int i) {
        return received.get(i) != NONE;
    }

    long duplicates() {
        return duplicates.get();
    }

    long strays() {
        return strays.get();
    }

    long acknowledgedCount() {
        return acknowledgedCount.get();
    }

    /** The latest due time among acknowledged messages, or {@code Long.MIN_VALUE} if none. */
    long lastDue() {
        long last = Long.MIN_VALUE;
        for (int i = 0; i < due.length; i++) {
            if (isAcknowledged(i)) {
                last = Math.max(last, due[i]);
            }
        }
        return last;
    }

    /** The earliest intended delivery time, or {@code Long.MAX_VALUE} if there are no messages. */
    long firstDue() {
        long first = Long.MAX_VALUE;
        for (long d : due) {
            first = Math.min(first, d);
        }
        return first;
    }

    /** The latest first receive time, or {@code Long.MIN_VALUE} if nothing arrived. */
    long lastReceived() {
        long last = Long.MIN_VALUE;
        for (int i = 0; i < due.length; i++) {
            last = Math.max(last, received.get(i));
        }
        return last;
    }

    /**
     * Lateness (first receive − intended time) of every message received, split at the broker's store timestamp
     * on the real topic: {@code stored} until the broker made it visible, {@code hop} from there to the listener.
     */
    record Lateness(Distribution total, Distribution stored, Distribution hop) {
    }

    Lateness lateness() {
        int received = (int) receivedCount();
        long[] total = new long[received];
        long[] stored = new long[received];
        long[] hop = new long[received];
        int k = 0;
        for (int i = 0; i < due.length && k < received; i++) {
            if (wasReceived(i)) {
                total[k] = receivedAt(i) - due[i];
                stored[k] = storedAt(i) - due[i];
                hop[k] = receivedAt(i) - storedAt(i);
                k++;
            }
        }
        return new Lateness(Distribution.of(Arrays.copyOf(total, k)), Distribution.of(Arrays.copyOf(stored, k)),
                Distribution.of(Arrays.copyOf(hop, k)));
    }

    /** Acknowledged messages that never arrived. */
    long lost() {
        long lost = 0;
        for (int i = 0; i < due.length; i++) {
            if (isAcknowledged(i) && !wasReceived(i)) {
                lost++;
            }
        }
        return lost;
    }

    /** Whether every acknowledged message has arrived. */
    boolean complete() {
        return receivedCount.get() >= acknowledgedCount();
    }
}
