package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.StoredTimer;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.sundial.store.StoreFixture.T0;
import static io.sundial.store.TestMessages.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin look-ups: by the id a send answered, by unique key and by message key, pending or parked. */
class StoreLookupTest {
    @TempDir
    Path dir;

    private final ManualClock clock = StoreFixture.clock();

    private TimerStore open() throws Exception {
        return TimerStore.open(StoreFixture.config(dir), clock);
    }

    private static TimerId append(TimerStore store, String uniqKey, String keys, long due) throws Exception {
        AppendResult r = store.append(message("T", uniqKey, keys, "b"), due).get(10, TimeUnit.SECONDS);
        return new TimerId(r.dueMs(), r.seq());
    }

    private static void park(TimerStore store, TimerId id) {
        try (DeliverySession s = store.deliverySession()) {
            DueEntry e = s.begin(List.of(id)).get(0);
            assertTrue(s.park(e, "topic deleted"));
        }
    }

    @Test
    void shouldFindATimerByItsFirstIdAfterAReschedule() throws Exception {
        try (TimerStore store = open()) {
            TimerId id = append(store, "A", null, T0 + 1_000);
            assertEquals(id.seq(), store.locate(id).entry().seq());
            store.reschedule("T", "A", T0 + 9_000).get(10, TimeUnit.SECONDS);
            store.reschedule("T", "A", T0 + 7_000).get(10, TimeUnit.SECONDS);
            StoredTimer found = store.locate(id);
            assertEquals(T0 + 7_000, found.entry().dueMs(), "followed to where it is filed now");
            assertFalse(found.parked());
            assertNull(store.locate(new TimerId(T0 + 1_000, id.seq() + 1)), "no such timer");
        }
    }

    @Test
    void shouldFindParkedTimersByIdUniqueKeyAndMessageKey() throws Exception {
        try (TimerStore store = open()) {
            TimerId parked = append(store, "P", "order-1", T0 + 100);
            append(store, "Q", "order-1", T0 + 200);
            park(store, parked);
            assertTrue(store.locate(parked).parked());
            assertTrue(store.locateByUniqKey("T", "P").get(0).parked());
            List<StoredTimer> byKey = store.locateByKey("T", "order-1", 10);
            assertEquals(List.of("P", "Q"), byKey.stream().map(t -> t.entry().uniqKey()).toList());
            assertEquals(List.of(true, false), byKey.stream().map(StoredTimer::parked).toList());
        }
    }

    @Test
    void shouldCancelAParkedTimerButNotRescheduleIt() throws Exception {
        try (TimerStore store = open()) {
            TimerId id = append(store, "P", "k", T0 + 100);
            park(store, id);
            assertEquals(ChangeResult.Status.PARKED,
                    store.reschedule("T", "P", T0 + 5_000).get(10, TimeUnit.SECONDS).status());
            ChangeResult r = store.cancel("T", "P").get(10, TimeUnit.SECONDS);
            assertEquals(ChangeResult.Status.CHANGED, r.status());
            assertEquals(0, store.pendingCount());
            assertEquals(0, store.pendingCount("T"));
            assertEquals(0, store.parkedCount());
            assertTrue(store.parked("T", 10).isEmpty());
            assertTrue(store.locateByKey("T", "k", 10).isEmpty());
            assertNull(store.locate(id));
            assertEquals(ChangeResult.Status.ALREADY_CANCELLED,
                    store.cancel("T", "P").get(10, TimeUnit.SECONDS).status());
        }
    }

    @Test
    void shouldListParkedTimersInTheirPlaceAndCountByDueTime() throws Exception {
        try (TimerStore store = open()) {
            append(store, "A", null, T0 + 100);
            TimerId b = append(store, "B", null, T0 + 200);
            append(store, "C", null, T0 + 5_000);
            append(store, "D", null, T0 + 90_000);
            park(store, b);
            List<StoredTimer> page = new java.util.ArrayList<>();
            boolean more = store.listTopicTimers("T", 0, Long.MAX_VALUE, -1, 0, 3, page);
            assertTrue(more);
            assertEquals(List.of("A", "B", "C"), page.stream().map(t -> t.entry().uniqKey()).toList());
            assertEquals(List.of(false, true, false), page.stream().map(StoredTimer::parked).toList());
            List<StoredTimer> rest = new java.util.ArrayList<>();
            DueEntry last = page.get(2).entry();
            assertFalse(store.listTopicTimers("T", 0, Long.MAX_VALUE, last.dueMs(), last.seq(), 3, rest));
            assertEquals(List.of("D"), rest.stream().map(t -> t.entry().uniqKey()).toList());
            // Before T0+1000, before T0+60000, and after: parked B counts as pending.
            assertEquals(List.of(2L, 1L, 1L), java.util.Arrays.stream(
                    store.countTopicByDue("T", new long[] {T0 + 1_000, T0 + 60_000})).boxed().toList());
        }
    }

    @Test
    void shouldKeepPausedTopicsAcrossARestart() throws Exception {
        try (TimerStore store = open()) {
            store.pause("A");
            store.pause("B");
            store.resume("A");
        }
        try (TimerStore store = open()) {
            assertEquals(List.of("B"), List.copyOf(store.pausedTopics().keySet()));
            assertEquals(T0, store.pausedTopics().get("B"));
        }
    }
}
