package io.sundial.store.wheel;

import static io.sundial.store.wheel.FireLog.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cancel, size, contains and re-entrant calls from the sink. */
class TimingWheelCancelTest {

    @Test
    void shouldNeverFireCancelledTimerWhereverItWaits() {
        TimingWheel wheel = new TimingWheel(1_000, new WheelConfig(10, 16, 2));
        FireLog log = new FireLog(wheel);
        log.advanceTo(1_005);
        long[] dues = {500, 1_005, 1_017, 1_300, 3_000, 1_000_000, 1_000_000, 1_020};
        for (int i = 0; i < dues.length; i++) {
            wheel.add(ref(i, dues[i]));
        }
        // Late list, current tick, level 1, overflow, one of two in an overflow bucket, level 0.
        for (long seq : new long[] {0, 1, 3, 4, 5, 7}) {
            assertTrue(wheel.cancel(seq), "cancel " + seq);
        }
        assertEquals(2, wheel.size());
        log.advanceTo(2_000_000);
        assertEquals(List.of(2L, 6L), log.firedSeqs());
    }

    @Test
    void shouldReturnFalseWhenCancellingUnknownCancelledOrFiredSeq() {
        TimingWheel wheel = new TimingWheel(0, WheelConfig.DEFAULT);
        FireLog log = new FireLog(wheel);
        wheel.add(ref(1, 10));
        wheel.add(ref(2, 20));
        assertFalse(wheel.cancel(3));
        assertTrue(wheel.cancel(2));
        assertFalse(wheel.cancel(2));
        log.advanceTo(10);
        assertFalse(wheel.cancel(1));
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldReportSizeAndContainsUntilFiredOrCancelled() {
        TimingWheel wheel = new TimingWheel(0, WheelConfig.DEFAULT);
        FireLog log = new FireLog(wheel);
        for (int seq = 0; seq < 1_000; seq++) {
            wheel.add(ref(seq, 1 + seq));
        }
        assertEquals(1_000, wheel.size());
        assertTrue(wheel.contains(999));
        assertTrue(wheel.cancel(999));
        assertFalse(wheel.contains(999));
        log.advanceTo(500);
        assertEquals(499, wheel.size());
        assertFalse(wheel.contains(499));
        assertTrue(wheel.contains(500));
    }

    @Test
    void shouldRejectDuplicateSeqWithoutChangingSchedule() {
        TimingWheel wheel = new TimingWheel(0, WheelConfig.DEFAULT);
        FireLog log = new FireLog(wheel);
        assertTrue(wheel.add(ref(1, 100)));
        assertFalse(wheel.add(ref(1, 50)));
        assertEquals(0, log.advanceTo(99));
        assertEquals(1, log.advanceTo(100));
        assertEquals(100, log.firings().get(0).ref().dueMs());
        assertTrue(wheel.add(ref(1, 200)), "a fired seq may be scheduled again");
    }

    @Test
    void shouldLetSinkAddAndCancelTimersDuringAdvance() {
        TimingWheel wheel = new TimingWheel(0, WheelConfig.DEFAULT);
        wheel.add(ref(1, 10));
        wheel.add(ref(2, 10));
        wheel.add(ref(3, 11));
        List<Long> fired = new ArrayList<>();
        int count = wheel.advance(20, 100, ref -> {
            fired.add(ref.seq());
            if (ref.seq() == 1) {
                wheel.cancel(2);
                wheel.add(ref(4, 5));
                wheel.add(ref(5, 15));
            }
        });
        assertEquals(List.of(1L, 4L, 3L, 5L), fired);
        assertEquals(4, count);
        assertThrows(IllegalStateException.class, () -> {
            wheel.add(ref(6, 20));
            wheel.advance(20, 1, ref -> wheel.advance(20, 1, r -> { }));
        });
    }

    @Test
    void shouldRejectNonPositiveCap() {
        TimingWheel wheel = new TimingWheel(0, WheelConfig.DEFAULT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wheel.advance(1, 0, r -> { }));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
    }
}
