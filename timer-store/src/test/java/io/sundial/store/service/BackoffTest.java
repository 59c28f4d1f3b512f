package io.sundial.store.service;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {
    @Test
    void shouldDoubleEachAttemptWithJitterBetweenHalfAndAllOfTheCeiling() {
        Backoff b = new Backoff(100, 30_000, new SplittableRandom(3));
        for (int attempt = 1; attempt <= 12; attempt++) {
            long ceiling = Math.min(30_000, 100L << attempt);
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                long d = b.delayMs(attempt);
                assertTrue(d >= Math.max(100, ceiling / 2) && d <= ceiling, "attempt " + attempt + ": " + d);
                seen.add(d);
            }
            assertTrue(seen.size() > 10, "jittered");
        }
    }

    @Test
    void shouldStayAtTheCapWithoutOverflowForHugeAttemptCounts() {
        Backoff b = new Backoff(100, 30_000, new SplittableRandom(3));
        assertEquals(30_000, b.ceilingMs(Integer.MAX_VALUE));
        assertEquals(30_000, b.ceilingMs(63));
        assertEquals(200, b.ceilingMs(1));
        long d = b.delayMs(1_000);
        assertTrue(d >= 15_000 && d <= 30_000);
    }

    @Test
    void shouldRejectBadBounds() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10, new SplittableRandom()));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5, new SplittableRandom()));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 50, new SplittableRandom()).delayMs(0));
    }
}
