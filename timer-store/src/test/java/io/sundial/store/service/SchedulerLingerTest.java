package io.sundial.store.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dispatchLingerMs}: a lane with few fired timers waits a little for more, never longer, never early. */
class SchedulerLingerTest {
    @TempDir
    Path dir;

    private static ServiceConfig config(long lingerMs) {
        return ServiceHarness.config().withDispatchBatchSize(256).withDispatchLingerMs(lingerMs);
    }

    /** One timer due each millisecond on one lane, from T0 + 100. */
    private static List<Long> onePerMs(ServiceHarness h, int n) throws Exception {
        return h.appendAll("T", 1, LongStream.range(0, n).mapToObj(i -> T0 + 100 + i).toList(), "k");
    }

    @Test
    void shouldSendEachTimerAtOnceWithoutLinger() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config(0))) {
            List<Long> seqs = onePerMs(h, 40);
            h.walkTo(T0 + 200);
            assertEquals(40, h.dispatcher.batchSizes().size(), h.dispatcher.batchSizes().toString());
            assertEquals(seqs, h.dispatcher.seqs());
        }
    }

    @Test
    void shouldGatherALanesTimersForAtMostTheLingerAfterTheOldest() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config(5))) {
            List<Long> seqs = onePerMs(h, 40);
            h.walkTo(T0 + 200);
            // Sent when the oldest has waited 5 ms: the six fired by then, then the next six, ...
            assertEquals(List.of(6, 6, 6, 6, 6, 6, 4), h.dispatcher.batchSizes());
            assertEquals(seqs, h.dispatcher.seqs(), "the lane's order");
            for (FakeDispatcher.Call c : h.dispatcher.calls()) {
                assertTrue(c.atMs() >= c.dueMs(), "never early: " + c);
                assertTrue(c.atMs() - c.firedAtMs() <= 5, "waited at most the linger: " + c);
            }
            assertEquals(0, h.store.pendingCount());
            assertEquals(0, h.stats().lanes(), "an idle lane is forgotten after lingering");
        }
    }

    @Test
    void shouldNotLingerWithAFullBatchOrTheRestOfABurst() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config(5))) {
            List<Long> seqs = h.appendAll("T", 1, LongStream.range(0, 40).mapToObj(i -> T0 + 100).toList(), "a");
            h.advanceTo(T0 + 100);
            // Slow start sends 16 first; the 24 left are a burst's remainder, not a trickle: they go at once.
            assertEquals(List.of(16, 24), h.dispatcher.batchSizes());
            for (FakeDispatcher.Call c : h.dispatcher.calls()) {
                assertEquals(T0 + 100, c.atMs(), "no wait: " + c);
            }
            assertEquals(seqs, h.dispatcher.seqs());
        }
    }

    @Test
    void shouldRefuseALingerOutsideItsRange() {
        assertTrue(assertThrowsIllegal(-1).contains(ServiceConfig.DISPATCH_LINGER_MS));
        assertTrue(assertThrowsIllegal(101).contains("between 0"));
    }

    private static String assertThrowsIllegal(long ms) {
        return org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ServiceConfig.defaults().withDispatchLingerMs(ms)).getMessage();
    }
}
