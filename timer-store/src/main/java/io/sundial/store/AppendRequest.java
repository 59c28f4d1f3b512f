package io.sundial.store;

import io.sundial.store.record.TimerMessage;

/** A message to store and when it is due (wall-clock epoch ms). */
public record AppendRequest(TimerMessage message, long dueMs) {
}
