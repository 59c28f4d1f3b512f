package io.sundial.store.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerPauseTest {
    @TempDir
    Path dir;

    private static void pause(ServiceHarness h, String topic, boolean pause) {
        if (pause) {
            h.store.pause(topic);
        } else {
            h.store.resume(topic);
        }
        h.scheduler.pause(topic, pause);
    }

    private static List<Long> dues(int n, long first) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(first + i * 10L);
        }
        return out;
    }

    @Test
    void shouldHoldAPausedTopicAndDeliverItInDueOrderWhenResumed() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            pause(h, "held", true);
            h.appendAll("held", 1, dues(30, T0 + 100), "h");
            h.appendAll("free", 1, dues(30, T0 + 100), "f");
            h.walkTo(T0 + 1_000);
            assertEquals(30, h.dispatcher.calls("free").size(), "other topics go on");
            assertEquals(0, h.dispatcher.calls("held").size());
            assertEquals(30, h.store.pendingCount("held"), "kept pending");

            h.appendAll("held", 1, dues(5, T0 + 900), "late"); // arrive while paused, already due
            pause(h, "held", false);
            h.walkTo(T0 + 1_500);
            List<FakeDispatcher.Call> calls = h.dispatcher.calls("held");
            assertEquals(35, calls.size());
            for (int i = 1; i < calls.size(); i++) {
                assertTrue(calls.get(i - 1).dueMs() <= calls.get(i).dueMs(), "due order: " + calls);
            }
            calls.forEach(c -> assertTrue(c.atMs() >= c.dueMs(), "never early: " + c));
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldHoldBackTimersAlreadyQueuedWhenThePauseArrives() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            h.dispatcher.hold("T");
            h.appendAll("T", 1, dues(20, T0 + 100), "k");
            h.advanceTo(T0 + 400); // one batch of 8 with the dispatcher, the rest queued behind it
            List<FakeDispatcher.Held> out = h.dispatcher.takeHeld();
            assertEquals(1, out.size(), "one batch with the dispatcher");
            assertEquals(8, h.dispatcher.calls("T").size());
            pause(h, "T", true);
            h.dispatcher.release("T");
            out.forEach(c -> c.answer(Outcome.delivered()));
            h.walkTo(T0 + 2_000);
            assertEquals(8, h.dispatcher.calls("T").size(), "only the batch already out was sent");
            pause(h, "T", false);
            h.walkTo(T0 + 3_000);
            assertEquals(20, h.dispatcher.calls("T").size());
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldStayPausedAcrossARestart() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            pause(h, "T", true);
            h.appendAll("T", 1, dues(10, T0 + 100), "k");
            h.walkTo(T0 + 500);
            assertEquals(0, h.dispatcher.calls().size());
        }
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config(),
                new io.sundial.store.time.ManualClock(T0 + 600))) {
            assertEquals(List.of("T"), List.copyOf(h.store.pausedTopics().keySet()));
            h.walkTo(T0 + 1_000);
            assertEquals(0, h.dispatcher.calls().size(), "still paused after the restart");
            pause(h, "T", false);
            h.walkTo(T0 + 1_100);
            assertEquals(10, h.dispatcher.calls().size());
            assertTrue(h.store.pausedTopics().isEmpty());
        }
    }
}
