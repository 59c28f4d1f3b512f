package io.sundial.store;

/**
 * What an append did.
 *
 * @param seq       the timer's sequence (its identity in the store)
 * @param dueMs     when it is due
 * @param enqueueMs when the store accepted it
 * @param uniqKey   its unique key (the producer's, or one the store generated)
 * @param duplicate true when this was a producer's retry of a timer already stored: nothing new was stored,
 *                  and the other fields describe the first
 */
public record AppendResult(long seq, long dueMs, long enqueueMs, String uniqKey, boolean duplicate) {
}
