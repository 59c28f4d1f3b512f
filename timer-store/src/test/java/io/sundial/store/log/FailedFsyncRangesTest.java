package io.sundial.store.log;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailedFsyncRangesTest {
    @Test
    void shouldHoldNothingUntilAnFsyncFails() {
        FailedFsyncRanges ranges = new FailedFsyncRanges();
        assertTrue(ranges.isEmpty());
        assertFalse(ranges.contains(0));
        ranges.add(10, 10);
        assertTrue(ranges.isEmpty(), "an fsync with nothing written since the last one loses nothing");
    }

    @Test
    void shouldContainExactlyTheRangesAddedMergingThoseThatTouch() {
        FailedFsyncRanges ranges = new FailedFsyncRanges();
        ranges.add(100, 200);
        ranges.add(300, 400);
        ranges.add(150, 300); // joins both
        ranges.add(500, 600);
        assertFalse(ranges.contains(99));
        assertTrue(ranges.contains(100));
        assertTrue(ranges.contains(250));
        assertTrue(ranges.contains(399));
        assertFalse(ranges.contains(400));
        assertFalse(ranges.contains(450));
        assertTrue(ranges.contains(500));
        assertFalse(ranges.contains(600));
    }

    @Test
    void shouldForgetTheOldestRangesBeyondItsBound() {
        FailedFsyncRanges ranges = new FailedFsyncRanges();
        for (int i = 0; i <= FailedFsyncRanges.MAX_RANGES; i++) {
            ranges.add(10L * i, 10L * i + 5);
        }
        assertFalse(ranges.contains(0), "the oldest is forgotten");
        assertTrue(ranges.contains(10));
        assertTrue(ranges.contains(10L * FailedFsyncRanges.MAX_RANGES));
    }
}
