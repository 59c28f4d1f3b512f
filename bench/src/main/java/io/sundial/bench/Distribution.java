package io.sundial.bench;

import java.util.Arrays;

/** A sorted sample of lateness (or latency) in milliseconds, with nearest-rank percentiles. */
final class Distribution {
    private final long[] sorted;

    private Distribution(long[] sorted) {
        this.sorted = sorted;
    }

    static Distribution of(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return new Distribution(copy);
    }

    int count() {
        return sorted.length;
    }

    boolean isEmpty() {
        return sorted.length == 0;
    }

    /** Nearest rank: the smallest value with at least {@code p} percent of the sample at or below it. */
    long percentile(double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }

    long min() {
        return sorted.length == 0 ? 0 : sorted[0];
    }

    long max() {
        return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
    }

    long countBelow(long bound) {
        int i = Arrays.binarySearch(sorted, bound);
        if (i < 0) {
            return -i - 1;
        }
        while (i > 0 && sorted[i - 1] == bound) {
            i--;
        }
        return i;
    }

    long[] values() {
        return sorted.clone();
    }
}
