package io.sundial.store.wheel;

import static io.sundial.store.wheel.FireLog.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Timers fire earliest due first and, within a millisecond, in the order they were added. */
class TimingWheelOrderTest {

    @Test
    void shouldFireSameMillisecondTimersInInsertionOrderWhenAddedOnDifferentLevels() {
        long due = 10_000_000;
        TimingWheel wheel = new TimingWheel(0, WheelConfig.DEFAULT);
        FireLog log = new FireLog(wheel);
        wheel.add(ref(1, due));                 // level 2 from tick 0
        log.advanceTo(due - 70_000);
        wheel.add(ref(2, due));                 // now within the same level-2 block
        log.advanceTo(due - 300);
        wheel.add(ref(3, due));
        log.advanceTo(due - 5);
        wheel.add(ref(4, due));
        wheel.add(ref(5, due - 1));
        log.advanceTo(due);
        assertEquals(List.of(5L, 1L, 2L, 3L, 4L), log.firedSeqs());
    }

    @Test
    void shouldFireInDueOrderPerTopicAndQueueWhenOneAdvanceFiresMany() {
        Random random = new Random(42);
        long start = 1_700_000_000_000L;
        for (WheelConfig config : List.of(WheelConfig.DEFAULT, new WheelConfig(10, 512, 3), new WheelConfig(7, 4, 3))) {
            TimingWheel wheel = new TimingWheel(start, config);
            FireLog log = new FireLog(wheel);
            List<TimerRef> added = new ArrayList<>();
            long now = start;
            for (int seq = 0; seq < 50_000; seq++) {
                // Few distinct due times, so many timers share a millisecond; all in the future when added.
                long due = now + 1 + random.nextInt(2_000) * 97L;
                TimerRef ref = new TimerRef(due, seq, seq, 10, "t" + random.nextInt(4), random.nextInt(8));
                added.add(ref);
                wheel.add(ref);
                if (seq % 5_000 == 4_999) {
                    now += random.nextInt(100_000);
                    log.advanceTo(now);
                }
            }
            log.advanceTo(now + 2_000 * 97L);
            assertEquals(added.size(), log.firings().size(), config.toString());

            Map<String, Long> lastDuePerQueue = new HashMap<>();
            Map<String, Long> lastSeqPerQueue = new HashMap<>();
            for (FireLog.Firing firing : log.firings()) {
                TimerRef ref = firing.ref();
                String queue = ref.topic() + "/" + ref.queueId();
                long lastDue = lastDuePerQueue.getOrDefault(queue, Long.MIN_VALUE);
                assertTrue(ref.dueMs() >= lastDue, "out of due order in " + queue + ": " + ref);
                if (ref.dueMs() == lastDue) {
                    assertTrue(ref.seq() > lastSeqPerQueue.get(queue), "out of insertion order: " + ref);
                }
                lastDuePerQueue.put(queue, ref.dueMs());
                lastSeqPerQueue.put(queue, ref.seq());
            }
        }
    }

    @Test
    void shouldFireEverythingInGlobalDueThenInsertionOrderWithinOneCall() {
        Random random = new Random(7);
        TimingWheel wheel = new TimingWheel(0, new WheelConfig(1, 16, 3));
        FireLog log = new FireLog(wheel);
        List<TimerRef> added = new ArrayList<>();
        for (int seq = 0; seq < 20_000; seq++) {
            TimerRef ref = ref(seq, 1 + random.nextInt(100_000));
            added.add(ref);
            wheel.add(ref);
        }
        log.advanceTo(100_000);
        added.sort(Comparator.comparingLong(TimerRef::dueMs).thenComparingLong(TimerRef::seq));
        assertEquals(added.stream().map(TimerRef::seq).toList(), log.firedSeqs());
    }
}
