package io.sundial.store.service;

import io.sundial.store.wheel.WheelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When timers fire through the service: the exact millisecond, never early, in order, within the window. */
class SchedulerFiringTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "window {0} ms")
    @ValueSource(longs = {300_000, 7L * 24 * 3600 * 1000})
    void shouldFireAtTheExactMillisecondAcrossEveryLevelBoundary(long windowMs) throws Exception {
        // 1 ms ticks, 256 slots, 4 levels: buckets turn over at multiples of 2^8, 2^16 and 2^24 ms, and beyond
        // 2^32 ms a timer waits in the overflow area. Timers either side of each boundary come down through the
        // loader's window and then the levels before they fire; with a 7-day window they enter at level 3.
        WheelConfig shape = WheelConfig.DEFAULT;
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config().withLoadWindowMs(windowMs))) {
            h.settle();
            List<Long> boundaries = new ArrayList<>();
            List<Long> dues = new ArrayList<>();
            for (int bits = 8; bits <= 32; bits += 8) {
                long boundary = (T0 >> bits << bits) + (3L << bits);
                boundaries.add(boundary);
                dues.addAll(List.of(boundary - 1, boundary, boundary + 1));
            }
            assertEquals(1L << 32, shape.spanMs());
            for (long due : dues) {
                h.append("T", "k" + due, due);
            }
            for (long boundary : boundaries) {
                h.advanceTo(boundary - 3);
                h.walkTo(boundary + 2);
            }
            List<FakeDispatcher.Call> calls = h.dispatcher.calls();
            assertEquals(dues.size(), calls.size());
            for (FakeDispatcher.Call c : calls) {
                assertEquals(c.dueMs(), c.firedAtMs(), "fired at its due millisecond: " + c);
                assertEquals(c.dueMs(), c.atMs(), "handed over in the same millisecond: " + c);
            }
            assertEquals(dues, calls.stream().map(FakeDispatcher.Call::dueMs).toList());
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldNeverFireEarlyWhenInsertedAtTheLastMillisecondOfATick() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config().withWheelTickMs(10))) {
            long tick = T0 + 1_000; // a multiple of 10: ticks are [tick, tick + 9]
            h.advanceTo(tick + 9);
            List<Long> dues = List.of(tick + 9, tick + 10, tick + 11, tick + 19, tick + 20, tick + 29);
            for (long due : dues) {
                h.append("T", "k" + due, due);
            }
            h.settle();
            assertEquals(List.of(tick + 9), h.dispatcher.calls().stream().map(FakeDispatcher.Call::dueMs).toList());
            h.walkTo(tick + 40);
            for (FakeDispatcher.Call c : h.dispatcher.calls()) {
                assertEquals(c.dueMs(), c.atMs(), "neither early nor late: " + c);
            }
            assertEquals(dues.size(), h.dispatcher.calls().size());
        }
    }

    @Test
    void shouldHandOverTimersInDueOrderWithinAQueue() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config().withLoadBatchSize(7))) {
            Random random = new Random(7);
            List<Long> dues = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                dues.add(T0 + 1_000 + random.nextInt(50)); // many share a millisecond
            }
            List<Long> q1 = h.appendAll("T", 1, dues, "a");
            List<Long> q2 = h.appendAll("T", 2, dues.subList(0, 100), "b");
            h.advanceTo(T0 + 2_000); // all due at once: one burst, many batches per lane
            for (int queue = 1; queue <= 2; queue++) {
                int q = queue;
                List<FakeDispatcher.Call> lane = h.dispatcher.calls().stream()
                        .filter(c -> c.lane().queueId() == q).toList();
                List<FakeDispatcher.Call> sorted = new ArrayList<>(lane);
                sorted.sort(Comparator.comparingLong(FakeDispatcher.Call::dueMs)
                        .thenComparingLong(FakeDispatcher.Call::seq));
                assertEquals(sorted, lane, "queue " + q + " in (due, seq) order");
                assertEquals(q == 1 ? q1.size() : q2.size(), lane.size());
            }
        }
    }

    @Test
    void shouldLoadOnlyTimersDueWithinTheWindow() throws Exception {
        ServiceConfig config = ServiceHarness.config().withLoadWindowMs(60_000);
        try (ServiceHarness h = new ServiceHarness(dir, config)) {
            h.append("T", "near", T0 + 30_000);
            h.append("T", "far", T0 + 120_000);
            h.settle();
            assertEquals(1, h.stats().inWheel(), "the far timer stays on disk");
            h.advanceTo(T0 + 30_000);
            h.advanceTo(T0 + 59_990);
            assertEquals(0, h.stats().inWheel());
            h.advanceTo(T0 + 60_000);
            assertEquals(1, h.stats().inWheel(), "loaded once inside the window");
            h.walkTo(T0 + 120_001);
            assertEquals(List.of(T0 + 30_000, T0 + 120_000),
                    h.dispatcher.calls().stream().map(FakeDispatcher.Call::atMs).toList());
        }
    }

    @Test
    void shouldPageByFullKeyThroughTenThousandTimersInOneMillisecond() throws Exception {
        ServiceConfig config = ServiceHarness.config().withLoadBatchSize(97).withMaxWheelReferences(1_000)
                .withMaxFirePerStep(300);
        try (ServiceHarness h = new ServiceHarness(dir, config)) {
            long due = T0 + 5_000;
            List<Long> seqs = h.appendAll("T", 1, LongStream.range(0, 10_000).mapToObj(i -> due).toList(), "s");
            h.advanceTo(due - 1);
            assertTrue(h.stats().inWheel() <= 1_000);
            assertEquals(0, h.dispatcher.calls().size());
            h.advanceTo(due);
            assertEquals(seqs, h.dispatcher.seqs(), "each once, in sequence order");
            assertTrue(h.maxInMemory <= 1_000, "bound held: " + h.maxInMemory);
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldNotFireEarlyWhenTheWallClockStepsBack() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            h.append("T", "a", T0 + 1_000);
            h.advanceTo(T0 + 900);
            h.clock.stepWallTo(T0 + 500); // NTP steps the wall clock back 400 ms
            h.advanceTo(T0 + 999);        // 899 ms of monotonic time later, the wall clock reads 999
            assertEquals(0, h.dispatcher.calls().size(), "due at 1000 by the wall clock: not yet");
            h.append("T", "b", T0 + 700);   // appended behind the cursor after the step
            h.settle();
            assertEquals(List.of(T0 + 700), h.dispatcher.calls().stream().map(FakeDispatcher.Call::dueMs).toList());
            h.walkTo(T0 + 1_000);
            assertEquals(T0 + 1_000, h.dispatcher.calls().get(1).atMs());
        }
    }

    @Test
    void shouldFireWhatBecameDueWhenTheWallClockStepsForward() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            h.append("T", "a", T0 + 1_000);
            h.append("T", "b", T0 + 5_000);
            h.append("T", "c", T0 + 60_000);
            h.settle();
            h.clock.stepWallTo(T0 + 10_000); // forward 10 s, no monotonic time passes
            h.settle();
            assertEquals(List.of("a", "b"), h.dispatcher.calls().stream().map(FakeDispatcher.Call::uniqKey).toList());
            assertEquals(9_000, h.stats().maxFireLagMs());
            h.walkTo(T0 + 60_000);
            assertEquals(T0 + 60_000, h.dispatcher.calls().get(2).atMs());
        }
    }
}
