package io.sundial.store.service;

import io.sundial.store.ChangeResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Cancel and reschedule reach a timer wherever it is: on disk, in the wheel, or fired and not yet dispatched. */
class SchedulerCancelTest {
    @TempDir
    Path dir;

    @Test
    void shouldNotFireATimerCancelledWhileInTheWheel() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            h.append("T", "gone", T0 + 1_000);
            h.append("T", "kept", T0 + 1_000);
            h.settle();
            assertEquals(2, h.stats().inWheel());
            cancel(h, "T", "gone");
            h.settle();
            assertEquals(1, h.stats().inWheel(), "removed from the wheel, not just skipped later");
            h.advanceTo(T0 + 5_000);
            assertEquals(List.of("kept"), uniqKeys(h));
            assertEquals(0, h.stats().skipped());
        }
    }

    @Test
    void shouldNotFireATimerCancelledWhileOnDisk() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config().withLoadWindowMs(10_000))) {
            h.append("T", "far", T0 + 3_600_000);
            h.settle();
            assertEquals(0, h.stats().inWheel(), "beyond the window");
            cancel(h, "T", "far");
            h.advanceTo(T0 + 3_600_000 - 5_000);
            h.advanceTo(T0 + 3_700_000);
            assertEquals(0, h.dispatcher.calls().size());
            assertEquals(0, h.stats().loaded());
        }
    }

    @Test
    void shouldNotDispatchATimerCancelledAfterItFired() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config().withDispatchBatchSize(1))) {
            h.dispatcher.hold("T");
            h.append("T", "first", T0 + 100);
            h.append("T", "second", T0 + 100);
            h.advanceTo(T0 + 100);
            assertEquals(List.of("first"), uniqKeys(h), "second waits in its lane behind the first");
            assertEquals(2, h.stats().fired());
            cancel(h, "T", "second");
            h.dispatcher.release("T");
            h.dispatcher.takeHeld().forEach(c -> c.answer(Outcome.delivered()));
            h.settle();
            assertEquals(List.of("first"), uniqKeys(h));
            assertEquals(1, h.stats().skipped());
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldFireARescheduledTimerAtItsNewTimeOnly() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config().withLoadWindowMs(60_000))) {
            h.append("T", "later", T0 + 10_000);
            h.append("T", "sooner", T0 + 3_600_000);
            h.settle();
            assertEquals(1, h.stats().inWheel());
            h.store.reschedule("T", "later", T0 + 20_000).get(10, TimeUnit.SECONDS);
            h.store.reschedule("T", "sooner", T0 + 5_000).get(10, TimeUnit.SECONDS); // from disk into the window
            h.settle();
            h.advanceTo(T0 + 4_999);
            h.walkTo(T0 + 5_001);
            h.advanceTo(T0 + 19_999);
            h.walkTo(T0 + 20_001);
            h.advanceTo(T0 + 3_700_000);
            List<FakeDispatcher.Call> calls = h.dispatcher.calls();
            assertEquals(List.of("sooner", "later"), uniqKeys(h));
            assertEquals(T0 + 5_000, calls.get(0).atMs());
            assertEquals(T0 + 20_000, calls.get(1).atMs());
        }
    }

    @Test
    void shouldDispatchARescheduledTimerOnceAtItsNewTimeWhenMovedWhileWaitingInItsLane() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config().withDispatchBatchSize(1))) {
            h.dispatcher.hold("T");
            h.append("T", "first", T0 + 100);
            h.append("T", "moved", T0 + 100);
            h.advanceTo(T0 + 100);
            h.store.reschedule("T", "moved", T0 + 500).get(10, TimeUnit.SECONDS);
            h.settle();
            h.dispatcher.release("T");
            h.dispatcher.takeHeld().forEach(c -> c.answer(Outcome.delivered()));
            h.settle();
            assertEquals(List.of("first"), uniqKeys(h), "its old place was skipped");
            h.walkTo(T0 + 500);
            assertEquals(List.of("first", "moved"), uniqKeys(h));
            assertEquals(T0 + 500, h.dispatcher.calls().get(1).atMs());
            assertEquals(0, h.store.pendingCount());
        }
    }

    private static void cancel(ServiceHarness h, String topic, String uniqKey) throws Exception {
        ChangeResult r = h.store.cancel(topic, uniqKey).get(10, TimeUnit.SECONDS);
        assertEquals(ChangeResult.Status.CHANGED, r.status());
    }

    private static List<String> uniqKeys(ServiceHarness h) {
        return h.dispatcher.calls().stream().map(FakeDispatcher.Call::uniqKey).toList();
    }
}
