package io.sundial.store.service;

import io.sundial.store.TestMessages;
import io.sundial.store.TimerStore;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner with its real threads: start, wake-ups, close. The clock is still manual; the threads' waits are
 * real, so these tests poll with a deadline instead of stepping.
 */
class TimerServiceTest {
    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(T0);

    private static ServiceConfig config() {
        return ServiceConfig.defaults().withLoadIntervalMs(5).withDispatchThreads(2).withCloseTimeoutMs(10_000);
    }

    @Test
    void shouldDeliverOnItsOwnThreadsAndCloseIdempotently() throws Exception {
        try (TimerStore store = TimerStore.open(ServiceHarness.storeConfig(dir), clock)) {
            FakeDispatcher dispatcher = new FakeDispatcher(clock);
            TimerService service = new TimerService(store, dispatcher, config(), clock).start();
            assertThrows(IllegalStateException.class, service::start);
            for (int i = 0; i < 100; i++) {
                store.append(TestMessages.message("T" + i % 3, "k" + i), T0).get(10, TimeUnit.SECONDS);
            }
            await(() -> service.stats().delivered() == 100);
            service.close();
            service.close();
            assertEquals(0, store.pendingCount());
            assertEquals(100, dispatcher.calls().size());
            assertThrows(IllegalStateException.class, service::start);
        }
    }

    @Test
    void shouldWakeForAWallClockStepWithinOneLoadInterval() throws Exception {
        try (TimerStore store = TimerStore.open(ServiceHarness.storeConfig(dir), clock);
             TimerService service = new TimerService(store, new FakeDispatcher(clock), config(), clock).start()) {
            store.append(TestMessages.message("T", "k"), T0 + 60_000).get(10, TimeUnit.SECONDS);
            await(() -> service.stats().inWheel() == 1);
            clock.stepWallTo(T0 + 60_000); // nothing wakes the thread: it re-reads wall time on its own
            await(() -> service.stats().delivered() == 1);
        }
    }

    @Test
    void shouldLetABatchInFlightFinishWhenClosing() throws Exception {
        try (TimerStore store = TimerStore.open(ServiceHarness.storeConfig(dir), clock)) {
            FakeDispatcher dispatcher = new FakeDispatcher(clock).hold("T");
            TimerService service = new TimerService(store, dispatcher, config(), clock).start();
            store.append(TestMessages.message("T", "k"), T0).get(10, TimeUnit.SECONDS);
            await(() -> dispatcher.calls().size() == 1);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(service::close);
            List<FakeDispatcher.Held> held = dispatcher.takeHeld();
            held.get(0).answer(Outcome.delivered());
            closing.get(10, TimeUnit.SECONDS);
            assertEquals(0, store.pendingCount(), "its outcome was still acknowledged");
            assertEquals(1, service.stats().delivered());
        }
    }

    @Test
    void shouldLeaveUndeliveredTimersPendingAndDeliverThemAfterARestart() throws Exception {
        try (TimerStore store = TimerStore.open(ServiceHarness.storeConfig(dir), clock)) {
            FakeDispatcher hanging = new FakeDispatcher(clock).hold("T");
            TimerService first = new TimerService(store, hanging, config().withCloseTimeoutMs(0), clock).start();
            for (int i = 0; i < 10; i++) {
                store.append(TestMessages.message("T", "k" + i), T0).get(10, TimeUnit.SECONDS);
            }
            await(() -> first.stats().fired() == 10);
            first.close();
            assertEquals(10, store.pendingCount(), "the store is the source of truth");

            FakeDispatcher working = new FakeDispatcher(clock);
            try (TimerService second = new TimerService(store, working, config(), clock).start()) {
                await(() -> second.stats().delivered() == 10);
            }
            assertEquals(0, store.pendingCount());
            hanging.takeHeld().forEach(c -> c.answer(Outcome.delivered())); // a late answer changes nothing
            assertEquals(0, store.pendingCount());
        }
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
