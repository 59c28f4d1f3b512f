package io.sundial.proxy.admin;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The due-time buckets of {@code stats}: due within the next minute (overdue ones included), hour, day, 30 days,
 * and later. Each bucket excludes the earlier ones, so they add up to the topic's pending count.
 */
final class DueHistogram {
    static final String[] LABELS = {"nextMinute", "nextHour", "nextDay", "nextMonth", "later"};
    private static final long[] SPANS_MS = {60_000L, 3_600_000L, 86_400_000L, 30L * 86_400_000L};

    private DueHistogram() {
    }

    /** The bucket bounds for {@code nowMs}: a timer due before {@code bounds[i]} is in bucket {@code i} or earlier. */
    static long[] bounds(long nowMs) {
        long[] b = new long[SPANS_MS.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = nowMs + SPANS_MS[i];
        }
        return b;
    }

    static Map<String, Long> labelled(long[] counts) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < LABELS.length; i++) {
            out.put(LABELS[i], counts[i]);
        }
        return out;
    }
}
