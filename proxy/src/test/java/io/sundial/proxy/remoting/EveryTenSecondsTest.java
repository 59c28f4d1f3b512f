package io.sundial.proxy.remoting;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EveryTenSecondsTest {
    @Test
    void shouldLetTheFirstLineThroughThenHoldTheRestWithinTheSamePeriod() {
        EveryTenSeconds limiter = new EveryTenSeconds();
        assertEquals(1, limiter.count(), "the first event is reported at once");
        for (int i = 0; i < 1_000; i++) {
            assertEquals(0, limiter.count(), "a flood within ten seconds adds no line");
        }
    }
}
