package io.sundial.proxy.cli.admin;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimeArgsTest {
    @Test
    void shouldReadIsoWithAnOffsetOrEpochMillis() {
        assertEquals(1_764_576_000_000L, TimeArgs.instant("2025-12-01T08:00:00Z"));
        assertEquals(1_764_576_000_000L, TimeArgs.instant("2025-12-01T16:00:00+08:00"));
        assertEquals(1_764_576_000_123L, TimeArgs.instant("1764576000123"));
    }

    @Test
    void shouldRefuseATimeWithoutAnOffsetWithAHint() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TimeArgs.instant("2025-12-01T08:00:00"));
        assertTrue(e.getMessage().contains("no offset") && e.getMessage().contains("2025-12-01T08:00:00Z"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TimeArgs.instant("tomorrow"));
    }

    @Test
    void shouldReadDurations() {
        assertEquals(500, TimeArgs.durationMs("500ms"));
        assertEquals(90_000, TimeArgs.durationMs("90s"));
        assertEquals(600_000, TimeArgs.durationMs("10m"));
        assertEquals(7_200_000, TimeArgs.durationMs("2h"));
        assertEquals(7 * 86_400_000L, TimeArgs.durationMs("7d"));
        assertEquals(600_000, TimeArgs.durationMs("PT10M"));
        assertThrows(IllegalArgumentException.class, () -> TimeArgs.durationMs("ten minutes"));
    }
}
