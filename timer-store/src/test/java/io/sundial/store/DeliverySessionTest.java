package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.sundial.store.StoreFixture.T0;
import static io.sundial.store.TestMessages.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliverySessionTest {
    @TempDir
    Path dir;

    private final ManualClock clock = StoreFixture.clock();

    private TimerStore open() throws Exception {
        return TimerStore.open(StoreFixture.config(dir), clock);
    }

    private static TimerId append(TimerStore store, String uniqKey, long due) throws Exception {
        AppendResult r = store.append(message("T", uniqKey), due).get(10, TimeUnit.SECONDS);
        return new TimerId(r.dueMs(), r.seq());
    }

    private static ChangeResult.Status cancel(TimerStore store, String uniqKey) throws Exception {
        return store.cancel("T", uniqKey).get(10, TimeUnit.SECONDS).status();
    }

    @Test
    void shouldRefuseToCancelOrRescheduleATimerInFlightAndDeliverIt() throws Exception {
        try (TimerStore store = open(); DeliverySession session = store.deliverySession()) {
            TimerId a = append(store, "A", T0 + 100);
            DueEntry e = session.begin(List.of(a)).get(0);
            assertNotNull(e);
            assertTrue(store.isDelivering(a));
            assertEquals(ChangeResult.Status.TOO_LATE, cancel(store, "A"));
            assertEquals(ChangeResult.Status.TOO_LATE,
                    store.reschedule("T", "A", T0 + 9_000).get(10, TimeUnit.SECONDS).status());
            assertEquals(e, store.get(a.dueMs(), a.seq()), "nothing changed");

            assertEquals(1, session.ack(List.of(e)));
            assertFalse(store.isDelivering(a));
            assertEquals(0, store.pendingCount());
            assertEquals(0, store.pendingCount("T"));
            assertEquals(ChangeResult.Status.ALREADY_DELIVERED, cancel(store, "A"));
        }
    }

    @Test
    void shouldBeginADeliveryWhileAnIndexWriteHoldsTheIndexLock() throws Exception {
        try (TimerStore store = open(); DeliverySession session = store.deliverySession()) {
            TimerId a = append(store, "A", T0 + 100);
            ExecutorService other = Executors.newSingleThreadExecutor();
            store.indexLock().lock(); // as an acknowledgement's or an append group's RocksDB write does
            try {
                Future<List<DueEntry>> begun = other.submit(() -> session.begin(List.of(a)));
                assertNotNull(begun.get(10, TimeUnit.SECONDS).get(0), "marking waits for no index write");
                assertTrue(store.isDelivering(a));
            } finally {
                store.indexLock().unlock();
                other.shutdownNow();
            }
        }
    }

    /**
     * A cancel checks for a mark and then writes; a delivery marks and then reads. Racing them many times, no
     * timer may be both cancelled and handed to its deliverer.
     */
    @Test
    void shouldNeverBothCancelATimerAndBeginItsDeliveryWhenTheyRace() throws Exception {
        int n = 2_000;
        try (TimerStore store = open(); DeliverySession session = store.deliverySession()) {
            List<TimerId> ids = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ids.add(append(store, "U" + i, T0 + 100));
            }
            ExecutorService cancels = Executors.newSingleThreadExecutor();
            try {
                List<CompletableFuture<ChangeResult>> answers = new ArrayList<>(n);
                Future<?> issued = cancels.submit(() -> {
                    for (int i = 0; i < n; i++) {
                        answers.add(store.cancel("T", "U" + i));
                    }
                });
                // Begun from the last while cancelled from the first, so that the two cross somewhere.
                DueEntry[] begun = new DueEntry[n];
                for (int i = n - 1; i >= 0; i--) {
                    begun[i] = session.begin(List.of(ids.get(i))).get(0);
                }
                issued.get(30, TimeUnit.SECONDS);
                int both = 0;
                int cancelled = 0;
                for (int i = 0; i < n; i++) {
                    ChangeResult.Status s = answers.get(i).get(30, TimeUnit.SECONDS).status();
                    if (s == ChangeResult.Status.CHANGED) {
                        cancelled++;
                        if (begun[i] != null) {
                            both++;
                        }
                    } else {
                        assertEquals(ChangeResult.Status.TOO_LATE, s, "timer " + i);
                        assertNotNull(begun[i], "refused as too late, so its delivery began: timer " + i);
                    }
                }
                assertEquals(0, both, "timers both cancelled and begun (of " + cancelled + " cancelled)");
            } finally {
                cancels.shutdownNow();
            }
        }
    }

    @Test
    void shouldMarkNothingForASessionBegunAfterItWasClosedSoTheNextSessionCanDeliver() throws Exception {
        try (TimerStore store = open(); DeliverySession next = store.deliverySession()) {
            TimerId a = append(store, "A", T0 + 100);
            DeliverySession closed = store.deliverySession();
            closed.close(); // its service stopped while one of its dispatch tasks was still queued
            assertEquals(Collections.singletonList(null), closed.begin(List.of(a)));
            assertFalse(store.isDelivering(a));
            assertNotNull(next.begin(List.of(a)).get(0));
        }
    }

    @Test
    void shouldLetATimerChangeAgainOnceItsDeliveryEnds() throws Exception {
        try (TimerStore store = open(); DeliverySession session = store.deliverySession()) {
            TimerId a = append(store, "A", T0 + 100);
            session.begin(List.of(a));
            session.end(List.of(a)); // to be retried later
            assertEquals(ChangeResult.Status.CHANGED, cancel(store, "A"));
            assertEquals(0, store.pendingCount());
        }
    }

    @Test
    void shouldNotBeginATimerChangedBeforehandOrAlreadyInFlight() throws Exception {
        try (TimerStore store = open(); DeliverySession first = store.deliverySession();
             DeliverySession second = store.deliverySession()) {
            TimerId cancelled = append(store, "C", T0 + 100);
            TimerId moved = append(store, "M", T0 + 100);
            TimerId taken = append(store, "T", T0 + 100);
            assertEquals(ChangeResult.Status.CHANGED, cancel(store, "C"));
            store.reschedule("T", "M", T0 + 5_000).get(10, TimeUnit.SECONDS);
            assertNotNull(first.begin(List.of(taken)).get(0));

            List<DueEntry> begun = second.begin(List.of(cancelled, moved, taken));
            assertNull(begun.get(0), "cancelled");
            assertNull(begun.get(1), "filed under another due time now");
            assertNull(begun.get(2), "another session has it");
            assertFalse(store.isDelivering(cancelled));
            assertFalse(store.isDelivering(moved));
            assertEquals(ChangeResult.Status.CHANGED,
                    store.reschedule("T", "M", T0 + 6_000).get(10, TimeUnit.SECONDS).status(),
                    "a failed begin leaves no mark behind");
        }
    }

    @Test
    void shouldIgnoreTheLateAnswersOfAClosedSession() throws Exception {
        try (TimerStore store = open()) {
            TimerId a = append(store, "A", T0 + 100);
            TimerId b = append(store, "B", T0 + 100);
            DeliverySession stopped = store.deliverySession();
            List<DueEntry> held = stopped.begin(List.of(a, b));
            stopped.close();
            assertFalse(store.isDelivering(a));

            try (DeliverySession next = store.deliverySession()) {
                DueEntry again = next.begin(List.of(a)).get(0);
                assertNotNull(again, "the next run delivers it again");
                assertEquals(0, stopped.ack(List.of(held.get(0))), "not the closed session's any more");
                assertFalse(stopped.park(held.get(1), "late"), "nor can it park");
                assertEquals(2, store.pendingCount());
                assertEquals(1, next.ack(List.of(again)));
            }
            assertEquals(1, store.pendingCount(), "counted once");
            assertEquals(0, store.parkedCount());
        }
    }

    @Test
    void shouldParkATimerInFlight() throws Exception {
        try (TimerStore store = open(); DeliverySession session = store.deliverySession()) {
            TimerId a = append(store, "A", T0 + 100);
            DueEntry e = session.begin(List.of(a)).get(0);
            assertTrue(session.park(e, "topic deleted"));
            assertFalse(store.isDelivering(a));
            assertEquals(1, store.parkedCount());
            assertEquals(1, store.pendingCount(), "kept, not dropped");
        }
    }

    @Test
    void shouldNotCompactARecordInFlightAway() throws Exception {
        try (TimerStore store = open(); DeliverySession session = store.deliverySession()) {
            TimerId kept = append(store, "kept", T0 + 100);
            String body = "x".repeat(64 * 1024);
            for (int i = 0; store.stats().segments() < 3; i++) { // 1 MiB segments
                AppendResult filler = store.append(message("T", "f" + i, null, body), T0 + 200)
                        .get(10, TimeUnit.SECONDS);
                store.ack(filler.dueMs(), filler.seq());
            }
            DueEntry e = session.begin(List.of(kept)).get(0);
            ReclaimReport report = store.reclaimSpace();
            assertEquals(0, report.movedRecords(), "left in place while in flight: " + report);
            assertEquals(message("T", "kept"), store.read(e).message());
            assertEquals(1, session.ack(List.of(e)));
            assertEquals(0, store.pendingCount());
        }
    }
}
