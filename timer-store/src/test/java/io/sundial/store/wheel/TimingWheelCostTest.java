package io.sundial.store.wheel;

import static io.sundial.store.wheel.FireLog.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cap on work per call, and that empty time and far timers cost (almost) nothing. */
class TimingWheelCostTest {
    private static final long START = 1_700_000_000_000L;
    private static final long ONE_YEAR = TimeUnit.DAYS.toMillis(365);

    @Test
    void shouldFireExactlyCapPerAdvanceUntilAllMillionTimersDueInOneSecondHaveFired() {
        int timers = 1_000_000;
        int cap = 10_000;
        TimingWheel wheel = new TimingWheel(START, WheelConfig.DEFAULT);
        Random random = new Random(1);
        for (int seq = 0; seq < timers; seq++) {
            wheel.add(new TimerRef(START + 1_000 + random.nextInt(1_000), seq, seq, 100, "t", seq & 7));
        }
        long now = START + 2_000;
        BitSet fired = new BitSet(timers);
        long[] lastDue = {Long.MIN_VALUE};
        for (int call = 0; call < timers / cap; call++) {
            int count = wheel.advance(now, cap, ref -> {
                assertTrue(ref.dueMs() <= now, "early: " + ref);
                assertTrue(ref.dueMs() >= lastDue[0], "out of due order: " + ref);
                assertTrue(!fired.get((int) ref.seq()), "fired twice: " + ref);
                lastDue[0] = ref.dueMs();
                fired.set((int) ref.seq());
            });
            assertEquals(cap, count, "call " + call);
        }
        assertEquals(0, wheel.advance(now, cap, ref -> { }));
        assertEquals(timers, fired.cardinality());
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldNotFireBeforeDueWhenCapIsHitWhileTimeSteps() {
        TimingWheel wheel = new TimingWheel(0, new WheelConfig(10, 256, 4));
        FireLog log = new FireLog(wheel);
        for (int seq = 0; seq < 5_000; seq++) {
            wheel.add(ref(seq, 100 + seq / 10));
        }
        for (long now = 0; wheel.size() > 0; now++) {
            log.advanceTo(now, 7);
        }
        for (FireLog.Firing firing : log.firings()) {
            assertTrue(firing.nowMs() >= firing.ref().dueMs(), "early: " + firing);
        }
        assertEquals(5_000, log.firings().size());
    }

    @Test
    void shouldJumpTenYearsInOneCallVisitingOnlyBucketsThatHoldTimers() {
        TimingWheel wheel = new TimingWheel(START, WheelConfig.DEFAULT);
        FireLog log = new FireLog(wheel);
        wheel.add(ref(1, START + 1_000));
        wheel.add(ref(2, START + ONE_YEAR));
        wheel.add(ref(3, START + 9 * ONE_YEAR + 17));
        assertEquals(3, log.advanceTo(START + 10 * ONE_YEAR));
        assertEquals(List.of(1L, 2L, 3L), log.firedSeqs());
        // Each timer is moved at most once per level plus once out of overflow.
        assertTrue(wheel.bucketVisits() <= 3 * 5, "visited " + wheel.bucketVisits() + " buckets");
        assertEquals(Long.MAX_VALUE, wheel.nextDueHintMs());
    }

    @Test
    void shouldVisitFarTimerOncePerLevelNotOncePerRevolution() {
        TimingWheel wheel = new TimingWheel(START, new WheelConfig(1, 256, 2));
        FireLog log = new FireLog(wheel);
        long due = START + ONE_YEAR + 123;
        wheel.add(ref(1, due));
        // A runner ticking every minute for a year: a wheel of 65,536 ms revolves about 481,000 times meanwhile.
        long now = START;
        while (log.firings().isEmpty()) {
            now += 60_000;
            log.advanceTo(Math.min(now, due));
        }
        assertEquals(due, log.firings().get(0).nowMs());
        assertTrue(wheel.bucketVisits() <= 3, "visited " + wheel.bucketVisits() + " buckets");
    }
}
