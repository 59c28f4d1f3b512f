package io.sundial.store.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random schedules against the wheel's contract: every timer fires exactly once, never before its due millisecond
 * and at the first uncapped advance that reaches it, in due order, and cancelled timers never fire.
 */
class TimingWheelPropertyTest {
    private static final int TIMERS = 100_000;

    static Stream<WheelConfig> configs() {
        return Stream.of(
            WheelConfig.DEFAULT,
            new WheelConfig(10, 256, 4),
            new WheelConfig(1, 4, 3),      // spans 64 ms: nearly everything passes through overflow
            new WheelConfig(7, 512, 2),
            new WheelConfig(1, 2, 62),     // the deepest wheel allowed
            new WheelConfig(1000, 64, 3));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void shouldFireEachRandomTimerExactlyOnceAtFirstAdvanceReachingItsDue(WheelConfig config) {
        Random random = new Random(20_240_601L + config.hashCode());
        long start = 1_700_000_000_000L + random.nextInt(1_000_000);
        TimingWheel wheel = new TimingWheel(start, config);
        Map<Long, Long> dueOf = new HashMap<>();
        BitSet fired = new BitSet(TIMERS);
        BitSet cancelled = new BitSet(TIMERS);
        long[] nextSeq = {0};
        long now = start;
        // Every timer due at or before this fired already: the now of the last advance that was not capped.
        long drainedUpTo = start - 1;
        long[] last = {Long.MIN_VALUE, Long.MIN_VALUE};   // due and seq of the previous firing

        for (int i = 0; i < TIMERS / 2; i++) {
            add(wheel, random, now, nextSeq, dueOf);
        }
        while (fired.cardinality() + cancelled.cardinality() < TIMERS) {
            int roll = random.nextInt(100);
            if (roll < 30 && nextSeq[0] < TIMERS) {
                for (int i = random.nextInt(200); i >= 0 && nextSeq[0] < TIMERS; i--) {
                    add(wheel, random, now, nextSeq, dueOf);
                }
            } else if (roll < 35 && nextSeq[0] > 0) {
                long seq = random.nextLong(nextSeq[0]);
                boolean pending = !fired.get((int) seq) && !cancelled.get((int) seq);
                assertEquals(pending, wheel.cancel(seq), "cancel " + seq);
                if (pending) {
                    cancelled.set((int) seq);
                }
            } else {
                boolean stepBack = roll < 38;
                long callNow = stepBack ? now - random.nextInt(5_000) : now + step(random, nextSeq[0] >= TIMERS);
                int cap = random.nextInt(4) == 0 ? 1 + random.nextInt(100) : Integer.MAX_VALUE;
                long floor = drainedUpTo;
                int count = wheel.advance(callNow, cap, ref -> {
                    int seq = (int) ref.seq();
                    if (fired.get(seq) || cancelled.get(seq)) {
                        fail("fired twice or after cancel: " + ref);
                    }
                    fired.set(seq);
                    assertTrue(ref.dueMs() <= callNow, "early by " + (ref.dueMs() - callNow) + " ms: " + ref);
                    assertTrue(ref.dueMs() > floor, "late: " + ref + " was due at or before " + floor);
                    assertEquals(dueOf.get(ref.seq()), ref.dueMs());
                    boolean inOrder = ref.dueMs() > last[0] || (ref.dueMs() == last[0] && ref.seq() > last[1]);
                    assertTrue(inOrder, ref + " after due " + last[0] + " seq " + last[1]);
                    last[0] = ref.dueMs();
                    last[1] = ref.seq();
                });
                assertTrue(count <= cap);
                if (!stepBack) {
                    now = callNow;
                    if (count < cap) {
                        drainedUpTo = now;
                    }
                }
            }
        }
        assertEquals(0, wheel.size());
        assertFalse(fired.intersects(cancelled));
        assertEquals(Long.MAX_VALUE, wheel.nextDueHintMs());
    }

    /** Dues spread over every level: about as many within a second as within a year. */
    private static void add(TimingWheel wheel, Random random, long now, long[] nextSeq, Map<Long, Long> dueOf) {
        long due = now + 1 + random.nextLong(1L << random.nextInt(36));
        long seq = nextSeq[0]++;
        assertTrue(wheel.add(new TimerRef(due, seq, seq, 1, "t", 0)));
        dueOf.put(seq, due);
    }

    /** Mostly short steps, some long ones, and long ones only once everything is added so the run ends. */
    private static long step(Random random, boolean allAdded) {
        int maxBits = allAdded ? 36 : 28;
        return random.nextLong(1L << random.nextInt(maxBits));
    }
}
