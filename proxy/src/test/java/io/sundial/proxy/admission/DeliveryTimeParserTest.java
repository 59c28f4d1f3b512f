package io.sundial.proxy.admission;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveryTimeParserTest {
    private static final long NOW = 1_750_000_000_000L;
    private final DeliveryTimeParser parser = new DeliveryTimeParser(
            DeliveryTimeParser.parseLevels(DeliveryTimeParser.DEFAULT_LEVELS), Duration.ofDays(3650),
            Duration.ofSeconds(1));

    private static Map<String, String> props(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private long due(String... kv) {
        DeliveryTime t = parser.parse(props(kv), NOW);
        return assertInstanceOf(DeliveryTime.At.class, t, String.valueOf(t)).dueMs();
    }

    private DeliveryTime.Illegal illegal(String... kv) {
        DeliveryTime t = parser.parse(props(kv), NOW);
        return assertInstanceOf(DeliveryTime.Illegal.class, t, String.valueOf(t));
    }

    @Test
    void shouldFollowTheBrokersPrecedence() {
        assertEquals(NOW + 10_000, due("DELAY", "3", "TIMER_DELAY_SEC", "99", "TIMER_DELIVER_MS", "1"));
        assertEquals(NOW + 5_000, due("TIMER_DELAY_SEC", "5", "TIMER_DELAY_MS", "7", "TIMER_DELIVER_MS", "1"));
        assertEquals(NOW + 7, due("TIMER_DELAY_MS", "7", "TIMER_DELIVER_MS", "1"));
        assertEquals(NOW + 60_000, due("TIMER_DELIVER_MS", String.valueOf(NOW + 60_000), "__STARTDELIVERTIME", "1"));
        assertEquals(NOW + 90_000, due("__STARTDELIVERTIME", String.valueOf(NOW + 90_000)));
        assertInstanceOf(DeliveryTime.None.class, parser.parse(props("KEYS", "k"), NOW));
    }

    @Test
    void shouldCountRelativeDelaysFromTheSendWhenTheProducersClockAgreesWithinTheTolerance() {
        Map<String, String> level = props("DELAY", "3");
        Map<String, String> sec = props("TIMER_DELAY_SEC", "2");
        Map<String, String> ms = props("TIMER_DELAY_MS", "500");
        long born = NOW - 40; // the send waited 40 ms in the client and on the wire
        assertEquals(born + 10_000, at(parser.parse(level, NOW, born)));
        assertEquals(born + 2_000, at(parser.parse(sec, NOW, born)));
        assertEquals(born + 500, at(parser.parse(ms, NOW, born)));
        assertEquals(NOW - 1_000 + 500, at(parser.parse(ms, NOW, NOW - 1_000)), "at the tolerance itself");
        // a born time the receipt contradicts is a skewed producer clock: the broker's rule, from the receipt
        assertEquals(NOW + 500, at(parser.parse(ms, NOW, NOW - 1_001)), "further back than the tolerance");
        assertEquals(NOW + 500, at(parser.parse(ms, NOW, NOW + 30_000)), "born after the receipt");
        // absolute times do not move with the born time
        assertEquals(NOW + 60_000, at(parser.parse(props("TIMER_DELIVER_MS", String.valueOf(NOW + 60_000)), NOW,
                born)));
        DeliveryTimeParser receiptOnly = new DeliveryTimeParser(
                DeliveryTimeParser.parseLevels(DeliveryTimeParser.DEFAULT_LEVELS), Duration.ofDays(3650),
                Duration.ZERO);
        assertEquals(NOW + 10_000, at(receiptOnly.parse(level, NOW, born)));
    }

    @Test
    void shouldNotLetAnEarlyBornTimeStretchTheMaximumDelay() {
        long tenYears = Duration.ofDays(3650).toMillis();
        assertInstanceOf(DeliveryTime.At.class,
                parser.parse(props("TIMER_DELAY_MS", String.valueOf(tenYears)), NOW, NOW - 10));
        assertInstanceOf(DeliveryTime.Illegal.class,
                parser.parse(props("TIMER_DELAY_MS", String.valueOf(tenYears + 1)), NOW, NOW + 5_000));
    }

    private static long at(DeliveryTime t) {
        return assertInstanceOf(DeliveryTime.At.class, t, String.valueOf(t)).dueMs();
    }

    @Test
    void shouldClampDelayLevelsAboveTheTableAndIgnoreLevelsOfZeroOrLess() {
        assertEquals(NOW + 7_200_000, due("DELAY", "99"));
        assertEquals(NOW + 1_000, due("DELAY", "1"));
        assertInstanceOf(DeliveryTime.None.class, parser.parse(props("DELAY", "0"), NOW));
        assertEquals(NOW + 3_000, due("DELAY", "-1", "TIMER_DELAY_SEC", "3"));
    }

    @Test
    void shouldRefuseMalformedNegativeAndOverflowingValuesNamingTheProperty() {
        assertEquals("TIMER_DELAY_SEC", illegal("TIMER_DELAY_SEC", "ten").property());
        assertEquals("TIMER_DELAY_MS", illegal("TIMER_DELAY_MS", "-5").property());
        assertTrue(illegal("TIMER_DELAY_SEC", String.valueOf(Long.MAX_VALUE / 10)).reason().contains("overflow"));
        assertTrue(illegal("TIMER_DELAY_MS", String.valueOf(Long.MAX_VALUE)).reason().contains("overflow"));
        assertEquals("DELAY", illegal("DELAY", "x").property());
        assertTrue(illegal("TIMER_DELIVER_MS", "soon").remark().startsWith("illegal delivery time in property"));
    }

    @Test
    void shouldRefuseSecondsSentAsMillisecondsAndTimesBeyondTheMaximum() {
        DeliveryTime.Illegal seconds = illegal("__STARTDELIVERTIME", String.valueOf(NOW / 1000));
        assertTrue(seconds.reason().contains("seconds"), seconds.reason());
        assertTrue(illegal("TIMER_DELIVER_MS", String.valueOf(NOW + Duration.ofDays(3651).toMillis())).reason()
                .contains("maximum delay"));
        assertEquals(NOW + Duration.ofDays(3649).toMillis(),
                due("TIMER_DELIVER_MS", String.valueOf(NOW + Duration.ofDays(3649).toMillis())));
    }

    @Test
    void shouldAcceptPastDueTimesForTheCallerToSendAtOnce() {
        assertEquals(NOW - 5_000, due("TIMER_DELIVER_MS", String.valueOf(NOW - 5_000)));
        assertEquals(NOW, due("TIMER_DELAY_MS", "0"));
    }

    @Test
    void shouldRecogniseACancelMarkerBeforeAnyDelay() {
        DeliveryTime t = parser.parse(props("TIMER_DEL_UNIQKEY", "T+ABC", "TIMER_DELAY_SEC", "10"), NOW);
        assertEquals("T+ABC", assertInstanceOf(DeliveryTime.CancelMarker.class, t).target());
    }

    @Test
    void shouldParseTheDelayLevelTableAndRejectBadUnits() {
        long[] levels = DeliveryTimeParser.parseLevels("1s 2m 3h 1d");
        assertEquals(4, levels.length);
        assertEquals(86_400_000L, levels[3]);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> DeliveryTimeParser.parseLevels("1s 5x"));
        assertTrue(e.getMessage().contains("5x"));
    }
}
