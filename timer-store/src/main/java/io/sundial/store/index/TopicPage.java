package io.sundial.store.index;

import java.util.List;

/**
 * One page of a topic's pending timers.
 *
 * @param entries  the timers, in due order
 * @param more     whether timers remain after the last one
 * @param rowsRead index rows the listing read: only the topic's own, never another topic's
 */
public record TopicPage(List<DueEntry> entries, boolean more, long rowsRead) {
}
