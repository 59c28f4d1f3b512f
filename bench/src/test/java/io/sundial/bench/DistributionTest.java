package io.sundial.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DistributionTest {
    @Test
    void shouldTakeTheNearestRankPercentile() {
        long[] v = new long[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i; // 1..100, unsorted
        }
        Distribution d = Distribution.of(v);
        assertEquals(50, d.percentile(50));
        assertEquals(99, d.percentile(99));
        assertEquals(100, d.percentile(99.9));
        assertEquals(1, d.min());
        assertEquals(100, d.max());
    }

    @Test
    void shouldCountValuesBelowABoundWithTies() {
        Distribution d = Distribution.of(new long[] {-3, -1, 0, 0, 0, 5});
        assertEquals(2, d.countBelow(0));
        assertEquals(5, d.countBelow(1));
        assertEquals(0, d.countBelow(-3));
    }

    @Test
    void shouldAnswerZeroForAnEmptySample() {
        Distribution d = Distribution.of(new long[0]);
        assertEquals(0, d.percentile(99));
        assertEquals(0, d.max());
    }
}
