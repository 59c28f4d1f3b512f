package io.sundial.store;

/** Names a pending timer by its due-index key: the due time it is filed under, and its sequence. */
public record TimerId(long dueMs, long seq) {
}
