package io.sundial.store.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WheelConfigTest {

    @Test
    void shouldRejectInvalidShapeNamingTheBadValue() {
        assertRejected("got 0", () -> new WheelConfig(0, 256, 4));
        assertRejected("got -10", () -> new WheelConfig(-10, 256, 4));
        assertRejected("got 1001", () -> new WheelConfig(1001, 256, 4));
        assertRejected("got 300", () -> new WheelConfig(1, 300, 4));
        assertRejected("got 1", () -> new WheelConfig(1, 1, 4));
        assertRejected("got 0", () -> new WheelConfig(1, 256, 0));
        assertRejected("levels=8", () -> new WheelConfig(1, 256, 8));
    }

    @Test
    void shouldAcceptTenMillisecondTickAndReportSpan() {
        assertEquals(1L << 32, WheelConfig.DEFAULT.spanMs());
        assertEquals(10L * 512 * 512 * 512, new WheelConfig(10, 512, 3).spanMs());
        assertEquals(Long.MAX_VALUE, new WheelConfig(1000, 2, 62).spanMs());
    }

    private static void assertRejected(String expected, Runnable construct) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
