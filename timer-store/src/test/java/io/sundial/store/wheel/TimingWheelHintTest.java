package io.sundial.store.wheel;

import static io.sundial.store.wheel.FireLog.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link TimingWheel#nextDueHintMs()} lets a runner sleep without ever oversleeping a timer. */
class TimingWheelHintTest {

    @Test
    void shouldReportMaxValueWhenEmpty() {
        TimingWheel wheel = new TimingWheel(0, WheelConfig.DEFAULT);
        assertEquals(Long.MAX_VALUE, wheel.nextDueHintMs());
        wheel.add(ref(1, 5));
        wheel.cancel(1);
        assertEquals(Long.MAX_VALUE, wheel.nextDueHintMs());
    }

    @Test
    void shouldNeverReportHintLaterThanEarliestDue() {
        Random random = new Random(11);
        for (WheelConfig config : new WheelConfig[] {WheelConfig.DEFAULT, new WheelConfig(10, 8, 3)}) {
            TimingWheel wheel = new TimingWheel(0, config);
            Map<Long, Long> dueOf = new HashMap<>();
            TreeMap<Long, Integer> dueCounts = new TreeMap<>();
            long now = 0;
            long nextSeq = 0;
            for (int step = 0; step < 20_000; step++) {
                int action = random.nextInt(10);
                if (action < 5) {
                    long due = now + (1L << random.nextInt(30)) + random.nextInt(1_000) - 500;
                    wheel.add(ref(nextSeq, due));
                    dueOf.put(nextSeq++, due);
                    dueCounts.merge(due, 1, Integer::sum);
                } else if (action < 6 && nextSeq > 0) {
                    long seq = random.nextLong(nextSeq);
                    if (wheel.cancel(seq)) {
                        forget(dueOf.remove(seq), dueCounts);
                    }
                } else {
                    now += random.nextInt(3) == 0 ? random.nextInt(100_000) : random.nextInt(20);
                    wheel.advance(now, 1 + random.nextInt(50), r -> forget(dueOf.remove(r.seq()), dueCounts));
                }
                long hint = wheel.nextDueHintMs();
                assertEquals(dueOf.size(), wheel.size());
                if (dueOf.isEmpty()) {
                    assertEquals(Long.MAX_VALUE, hint);
                } else {
                    long earliest = dueCounts.firstKey();
                    assertTrue(hint <= earliest, "hint " + hint + " is after the earliest due " + earliest);
                }
            }
        }
    }

    private static void forget(long due, TreeMap<Long, Integer> dueCounts) {
        dueCounts.computeIfPresent(due, (d, count) -> count == 1 ? null : count - 1);
    }

    @Test
    void shouldFireEveryTimerAtItsDueWhenRunnerSleepsUntilHint() {
        Random random = new Random(3);
        TimingWheel wheel = new TimingWheel(5, new WheelConfig(10, 16, 3));
        FireLog log = new FireLog(wheel);
        for (int seq = 0; seq < 2_000; seq++) {
            wheel.add(ref(seq, 5 + random.nextInt(50_000_000)));
        }
        long now = 5;
        while (wheel.size() > 0) {
            now = Math.max(now, wheel.nextDueHintMs());
            log.advanceTo(now);
        }
        for (FireLog.Firing firing : log.firings()) {
            assertEquals(firing.ref().dueMs(), firing.nowMs(), "seq " + firing.ref().seq());
        }
        assertEquals(2_000, log.firings().size());
    }
}
