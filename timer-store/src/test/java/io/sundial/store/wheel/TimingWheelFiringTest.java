package io.sundial.store.wheel;

import static io.sundial.store.wheel.FireLog.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The firing millisecond is exact whichever level a timer starts on and however time is stepped. */
class TimingWheelFiringTest {
    private static final long ALIGNED_START = 1L << 40;
    private static final long UNALIGNED_START = 1_700_000_000_123L;
    private static final long ONE_YEAR = TimeUnit.DAYS.toMillis(365);

    static Stream<Arguments> levelBoundaryOffsets() {
        long[] offsets = {1, 2, 255, 256, 257, 65_535, 65_536, 65_537, 16_777_215, 16_777_216, 16_777_217,
            (1L << 32) - 1, 1L << 32, (1L << 32) + 1, ONE_YEAR};
        List<Arguments> cases = new ArrayList<>();
        for (long start : new long[] {ALIGNED_START, UNALIGNED_START}) {
            for (long offset : offsets) {
                cases.add(Arguments.of(start, offset));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "start {0} + {1} ms")
    @MethodSource("levelBoundaryOffsets")
    void shouldFireAtExactDueMillisecondAcrossEveryLevelBoundary(long start, long offset) {
        TimingWheel wheel = new TimingWheel(start, WheelConfig.DEFAULT);
        FireLog log = new FireLog(wheel);
        long due = start + offset;
        wheel.add(ref(1, due));

        long now = start;
        if (offset > 70_000) {
            // Jumps that halve the distance land in every level's span on the way down.
            while (due - 1 - now > 300) {
                now += (due - 1 - now) / 2;
                assertEquals(0, log.advanceTo(now), "fired early at " + now);
            }
        }
        while (now < due - 1) {
            assertEquals(0, log.advanceTo(++now), "fired early at " + now);
        }
        assertEquals(1, log.advanceTo(due));
        assertEquals(due, log.firings().get(0).nowMs());
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldFireAtDueMillisecondWhenCascadedFromUpperLevel() {
        long start = UNALIGNED_START;
        TimingWheel wheel = new TimingWheel(start, WheelConfig.DEFAULT);
        FireLog log = new FireLog(wheel);
        long[] offsets = {300, 70_000, 65_536 * 3 + 7, 20_000_000, (1L << 32) + 12_345, ONE_YEAR, 2 * ONE_YEAR + 1};
        for (int i = 0; i < offsets.length; i++) {
            wheel.add(ref(i, start + offsets[i]));
        }
        for (int i = 0; i < offsets.length; i++) {
            long due = start + offsets[i];
            // One jump straight to the last millisecond before the due time, then one to it.
            assertEquals(0, log.advanceTo(due - 1), "timer " + i + " fired early");
            assertEquals(1, log.advanceTo(due), "timer " + i + " did not fire at its due ms");
            assertEquals(i, log.firings().get(i).ref().seq());
        }
    }

    @Test
    void shouldNeverFireEarlyWithTenMillisecondTick() {
        long start = 1_000_005;
        TimingWheel wheel = new TimingWheel(start, new WheelConfig(10, 256, 4));
        FireLog log = new FireLog(wheel);
        List<Long> dues = new ArrayList<>();
        for (long offset = 0; offset < 3_000; offset++) {
            dues.add(start + offset);
        }
        // Either side of the level spans in ms: 2,560 and 655,360.
        for (long edge : new long[] {2_560, 655_360}) {
            long base = (start / edge + 1) * edge;
            for (long d = -11; d <= 11; d++) {
                dues.add(base + d);
            }
        }
        for (int i = 0; i < dues.size(); i++) {
            wheel.add(ref(i, dues.get(i)));
        }
        long end = dues.stream().mapToLong(Long::longValue).max().orElseThrow();
        for (long now = start; now <= end; now++) {
            log.advanceTo(now);
        }
        assertEquals(dues.size(), log.firings().size());
        for (FireLog.Firing firing : log.firings()) {
            assertEquals(firing.ref().dueMs(), firing.nowMs(), "timer " + firing.ref().seq());
        }
    }

    @Test
    void shouldNeverFireEarlyWhenInsertedAtLastMillisecondOfTick() {
        TimingWheel wheel = new TimingWheel(0, new WheelConfig(10, 256, 4));
        FireLog log = new FireLog(wheel);
        log.advanceTo(1_009);
        long[] dues = {1_009, 1_010, 1_011, 1_019, 1_020, 1_029, 3_569, 3_570, 655_369, 655_370};
        for (int i = 0; i < dues.length; i++) {
            wheel.add(ref(i, dues[i]));
        }
        for (long now = 1_009; now <= 655_370; now++) {
            log.advanceTo(now);
        }
        assertEquals(dues.length, log.firings().size());
        for (FireLog.Firing firing : log.firings()) {
            assertEquals(firing.ref().dueMs(), firing.nowMs(), "timer " + firing.ref().seq());
        }
    }

    @Test
    void shouldKeepTimersOfReachedTickUntilTheirExactMillisecond() {
        TimingWheel wheel = new TimingWheel(0, new WheelConfig(10, 256, 4));
        FireLog log = new FireLog(wheel);
        wheel.add(ref(1, 2_565));
        wheel.add(ref(2, 2_569));
        assertEquals(0, log.advanceTo(2_561), "the tick starting at 2,560 is reached but nothing is due");
        assertEquals(2_565, wheel.nextDueHintMs());
        assertEquals(0, log.advanceTo(2_564));
        assertEquals(1, log.advanceTo(2_565));
        assertEquals(0, log.advanceTo(2_568));
        assertEquals(1, log.advanceTo(2_569));
        assertEquals(List.of(1L, 2L), log.firedSeqs());
    }

    @Test
    void shouldFireAlreadyDueTimerOnNextAdvance() {
        TimingWheel wheel = new TimingWheel(0, new WheelConfig(10, 256, 4));
        FireLog log = new FireLog(wheel);
        log.advanceTo(50_005);
        wheel.add(ref(1, 50_005));
        wheel.add(ref(2, 50_001));
        wheel.add(ref(3, 10));
        wheel.add(ref(4, 50_006));
        assertTrue(wheel.nextDueHintMs() <= 10);

        assertEquals(3, log.advanceTo(50_005));
        assertEquals(List.of(3L, 2L, 1L), log.firedSeqs(), "late timer first, then the current tick in due order");
        assertEquals(1, log.advanceTo(50_006));
    }

    @Test
    void shouldFireTimerAddedBehindCappedBacklogInDueOrder() {
        TimingWheel wheel = new TimingWheel(0, WheelConfig.DEFAULT);
        FireLog log = new FireLog(wheel);
        for (int i = 0; i < 10; i++) {
            wheel.add(ref(i, 100 + i * 100));
        }
        assertEquals(3, log.advanceTo(5_000, 3));
        wheel.add(ref(99, 450));
        assertEquals(3, log.advanceTo(5_000, 3));
        assertEquals(List.of(0L, 1L, 2L, 3L, 99L, 4L), log.firedSeqs());
        assertEquals(5, log.advanceTo(5_000, 100));
    }

    @Test
    void shouldNotFireWhenWallClockStepsBack() {
        TimingWheel wheel = new TimingWheel(0, new WheelConfig(10, 256, 4));
        FireLog log = new FireLog(wheel);
        log.advanceTo(10_005);
        wheel.add(ref(1, 9_000));
        wheel.add(ref(2, 10_003));
        wheel.add(ref(3, 8_000));
        wheel.add(ref(4, 10_100));

        assertEquals(0, log.advanceTo(7_000));
        assertEquals(1, log.advanceTo(8_500));
        assertEquals(1, log.advanceTo(10_002));
        assertEquals(1, log.advanceTo(10_003));
        assertEquals(List.of(3L, 1L, 2L), log.firedSeqs());
        assertEquals(10_005, wheel.currentTimeMs(), "the wheel's time never goes back");
        assertEquals(0, log.advanceTo(10_099));
        assertEquals(1, log.advanceTo(10_100));
    }
}
