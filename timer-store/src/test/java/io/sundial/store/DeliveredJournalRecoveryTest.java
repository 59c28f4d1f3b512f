package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.sundial.store.StoreFixture.T0;
import static io.sundial.store.TestMessages.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivered timers recorded in the journal whose acknowledgement was never written: the store stops (closed or
 * killed, it does not acknowledge what is in flight) and opens again.
 */
class DeliveredJournalRecoveryTest {
    private static final long DUE = T0 + 100;

    @TempDir
    Path dir;

    private final ManualClock clock = StoreFixture.clock();

    private TimerStore open() throws IOException {
        return TimerStore.open(StoreFixture.config(dir), clock);
    }

    /** Appends a timer per key and marks them in flight, as the delivery of fired timers does. */
    private static List<DueEntry> delivering(TimerStore store, DeliverySession session, String... keys)
            throws Exception {
        List<TimerId> ids = new ArrayList<>();
        for (String key : keys) {
            ids.add(new TimerId(DUE, store.append(message("T", key), DUE).get(5, TimeUnit.SECONDS).seq()));
        }
        List<DueEntry> entries = session.begin(ids);
        entries.forEach(e -> assertNotNull(e, "not marked in flight"));
        return entries;
    }

    private static boolean pending(TimerStore store, DueEntry e) {
        return store.get(e.dueMs(), e.seq()) != null;
    }

    @Test
    void shouldAcknowledgeAtOpenWhatWasRecordedAsDeliveredAndOnlyThat() throws Exception {
        List<DueEntry> timers;
        try (TimerStore store = open()) {
            DeliverySession session = store.deliverySession();
            timers = delivering(store, session, "a", "b", "c");
            session.recordDelivered(timers.subList(0, 2));
        }
        try (TimerStore store = open()) {
            assertEquals(2, store.recoveryReport().journalAcks());
            assertFalse(pending(store, timers.get(0)) || pending(store, timers.get(1)), "delivered again");
            assertTrue(pending(store, timers.get(2)), "a timer not recorded as delivered must stay pending");
            assertEquals(Map.of("T", 1L), store.pendingByTopic());
            assertTrue(store.append(message("T", "a"), DUE).get(5, TimeUnit.SECONDS).duplicate(),
                    "a producer's retry of an acknowledged timer stored again");
        }
        assertEquals(0, Files.size(dir.resolve(DeliveredJournal.FILE)), "the journal was not emptied");
        try (TimerStore store = open()) {
            assertEquals(0, store.recoveryReport().journalAcks());
            assertEquals(1, store.pendingCount());
        }
    }

    @Test
    void shouldSkipWhatWasRecordedAndAcknowledgedAlready() throws Exception {
        List<DueEntry> timers;
        try (TimerStore store = open()) {
            DeliverySession session = store.deliverySession();
            timers = delivering(store, session, "a", "b");
            session.recordDelivered(timers);
            assertEquals(2, session.ack(timers));
            store.append(message("T", "later"), DUE + 1).get(5, TimeUnit.SECONDS);
        }
        try (TimerStore store = open()) {
            assertEquals(0, store.recoveryReport().journalAcks());
            assertEquals(Map.of("T", 1L), store.pendingByTopic(), "counted as acknowledged twice");
        }
    }

    @Test
    void shouldAcknowledgeOnceATimerRecordedByTwoSessions() throws Exception {
        DueEntry timer;
        try (TimerStore store = open()) {
            store.append(message("T", "other"), DUE + 1).get(5, TimeUnit.SECONDS);
            DeliverySession first = store.deliverySession();
            timer = delivering(store, first, "a").get(0);
            first.recordDelivered(List.of(timer));
            first.close(); // abandoned with its marks: the next session delivers it again
            DeliverySession second = store.deliverySession();
            List<DueEntry> again = second.begin(List.of(new TimerId(timer.dueMs(), timer.seq())));
            assertNotNull(again.get(0));
            second.recordDelivered(again);
        }
        try (TimerStore store = open()) {
            assertEquals(1, store.recoveryReport().journalAcks());
            assertEquals(Map.of("T", 1L), store.pendingByTopic());
            assertFalse(pending(store, timer));
        }
    }

    @Test
    void shouldForgetWhatWasRecordedWhenAskedTo() throws Exception {
        DueEntry timer;
        try (TimerStore store = open()) {
            DeliverySession session = store.deliverySession();
            timer = delivering(store, session, "a").get(0);
            session.recordDelivered(List.of(timer));
            session.forgetRecorded();
        }
        try (TimerStore store = open()) {
            assertEquals(0, store.recoveryReport().journalAcks());
            assertTrue(pending(store, timer), "a forgotten record still acknowledged it");
        }
    }
}
