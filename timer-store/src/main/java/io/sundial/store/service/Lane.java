package io.sundial.store.service;

import java.util.Objects;

/**
 * One delivery lane: a topic's queue. Due timers are handed to the {@link Dispatcher} in due order within a lane,
 * one batch at a time; lanes are independent, so a lane whose sends fail holds no other lane back.
 *
 * @param topic   the topic the timers are re-published to
 * @param queueId the queue the producer chose
 */
public record Lane(String topic, int queueId) {
    public Lane {
        Objects.requireNonNull(topic, "topic");
    }
}
