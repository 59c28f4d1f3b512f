package io.sundial.store.wheel;

import java.util.Objects;

/**
 * A pointer to one timer record in the log: enough to order and fire the timer without holding its message.
 *
 * <p>Two references are equal when their {@code seq} is equal, because {@code seq} names one timer in the store
 * whatever the other fields say; a reference rebuilt from the log on recovery is the same timer.
 *
 * @param dueMs       the wall-clock epoch millisecond at or after which the timer fires
 * @param seq         the timer's unique id in the store
 * @param logPosition where the timer's record starts in the log
 * @param size        the record's length in the log, in bytes
 * @param topic       the topic the message is delivered to when the timer fires
 * @param queueId     the queue the message is delivered to
 */
public record TimerRef(long dueMs, long seq, long logPosition, int size, String topic, int queueId) {

    public TimerRef {
        Objects.requireNonNull(topic, "topic");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TimerRef that && that.seq == seq;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq);
    }
}
