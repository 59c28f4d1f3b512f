package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.TopicPage;
import io.sundial.store.log.FlushMode;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.MessageProperties;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.sundial.store.StoreFixture.T0;
import static io.sundial.store.TestMessages.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimerStoreTest {
    @TempDir
    Path dir;

    private final ManualClock clock = StoreFixture.clock();

    private TimerStore open() throws Exception {
        return TimerStore.open(StoreFixture.config(dir), clock);
    }

    private static AppendResult append(TimerStore store, TimerMessage m, long due) throws Exception {
        return store.append(m, due).get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldReturnTimersInDueOrderAndReadBackTheMessage() throws Exception {
        try (TimerStore store = open()) {
            append(store, message("T", "C"), T0 + 300);
            append(store, message("T", "A"), T0 + 100);
            append(store, message("T", "B"), T0 + 200);
            List<DueEntry> due = store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 10);
            assertEquals(List.of("A", "B", "C"), due.stream().map(DueEntry::uniqKey).toList());
            LogRecord r = store.read(due.get(0));
            assertEquals(message("T", "A"), r.message());
            assertEquals(T0 + 100, r.dueMs());
            assertEquals(2, store.scanDue(0, Long.MAX_VALUE, T0 + 200, 10).size(), "maxDue is inclusive");
        }
    }

    @Test
    void shouldStoreNothingForARetryWithTheSameKeyAndFingerprint() throws Exception {
        try (TimerStore store = open()) {
            AppendResult first = append(store, message("T", "K1"), T0 + 1000);
            clock.advance(5); // a retry arrives a little later: its relative delay gives another due time
            AppendResult retry = append(store, message("T", "K1"), T0 + 1005);
            assertFalse(first.duplicate());
            assertTrue(retry.duplicate());
            assertEquals(first.seq(), retry.seq());
            assertEquals(first.dueMs(), retry.dueMs());
            assertEquals(1, store.pendingCount());
        }
    }

    @Test
    void shouldRecogniseRetriesRacingInOneGroupAndAfterDelivery() throws Exception {
        try (TimerStore store = open()) {
            List<CompletableFuture<AppendResult>> racing = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                racing.add(store.append(message("T", "RACE"), T0 + 1000));
            }
            long distinct = racing.stream().map(CompletableFuture::join).mapToLong(AppendResult::seq).distinct()
                    .count();
            assertEquals(1, distinct);
            DueEntry e = store.findByUniqKey("T", "RACE").get(0);
            assertTrue(store.ack(e.dueMs(), e.seq()));
            assertTrue(append(store, message("T", "RACE"), T0 + 1000).duplicate(),
                    "a late retry of a delivered timer is still recognised");
            assertEquals(0, store.pendingCount());
        }
    }

    @Test
    void shouldStoreASecondTimerForTheSameKeyWithAnotherBody() throws Exception {
        try (TimerStore store = open()) {
            AppendResult a = append(store, message("T", "K", null, "first"), T0 + 1000);
            AppendResult b = append(store, message("T", "K", null, "second"), T0 + 2000);
            assertFalse(b.duplicate());
            assertNotEquals(a.seq(), b.seq());
            assertEquals(2, store.findByUniqKey("T", "K").size());
            assertEquals(2, store.pendingCount("T"));
        }
    }

    @Test
    void shouldGenerateAUniqueKeyForAMessageWithoutOne() throws Exception {
        try (TimerStore store = open()) {
            AppendResult r = append(store, message("T", null), T0 + 1000);
            assertEquals(32, r.uniqKey().length());
            DueEntry e = store.findByUniqKey("T", r.uniqKey()).get(0);
            assertEquals(r.uniqKey(), store.read(e).message().property(MessageProperties.UNIQ_KEY));
        }
    }

    @Test
    void shouldRemoveAnAcknowledgedTimerFromEveryIndexAndCounter() throws Exception {
        try (TimerStore store = open()) {
            append(store, message("T", "A", "order-7", "x"), T0 + 1000);
            append(store, message("T", "B", "order-7", "y"), T0 + 2000);
            DueEntry a = store.findByUniqKey("T", "A").get(0);
            assertTrue(store.ack(a.dueMs(), a.seq()));
            assertFalse(store.ack(a.dueMs(), a.seq()), "a second ack finds nothing");
            assertEquals(1, store.pendingCount());
            assertEquals(1, store.pendingCount("T"));
            assertEquals(List.of("B"), store.findByKey("T", "order-7").stream().map(DueEntry::uniqKey).toList());
            assertEquals(List.of("B"), store.listTopic("T", 0, Long.MAX_VALUE, -1, 0, 10).entries().stream()
                    .map(DueEntry::uniqKey).toList());
            assertEquals(1, store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 10).size());
        }
    }

    @Test
    void shouldAnswerNotFoundOrTooLateForUnknownAndEndedKeys() throws Exception {
        try (TimerStore store = open()) {
            assertEquals(ChangeResult.Status.NOT_FOUND, store.cancel("T", "nope").get().status());
            assertEquals(ChangeResult.Status.NOT_FOUND, store.reschedule("T", "nope", T0).get().status());
            append(store, message("T", "D"), T0 + 1000);
            DueEntry d = store.findByUniqKey("T", "D").get(0);
            store.ack(d.dueMs(), d.seq());
            assertEquals(ChangeResult.Status.ALREADY_DELIVERED, store.cancel("T", "D").get().status());
            append(store, message("T", "C"), T0 + 1000);
            assertEquals(ChangeResult.Status.CHANGED, store.cancel("T", "C").get().status());
            assertEquals(ChangeResult.Status.ALREADY_CANCELLED, store.cancel("T", "C").get().status());
        }
    }

    @Test
    void shouldNeverListTimersOfTopicABarBWhenListingTopicA() throws Exception {
        try (TimerStore store = open()) {
            append(store, message("a", "1"), T0 + 1);
            append(store, message("a|b", "2"), T0 + 2);
            append(store, message("a+b", "3"), T0 + 3);
            TopicPage page = store.listTopic("a", 0, Long.MAX_VALUE, -1, 0, 100);
            assertEquals(List.of("1"), page.entries().stream().map(DueEntry::uniqKey).toList());
            assertEquals(1, page.rowsRead());
            assertEquals(1, store.pendingCount("a"));
            assertTrue(store.findByUniqKey("a", "2").isEmpty());
        }
    }

    @Test
    void shouldPageThroughATopicInDueOrderWithACursor() throws Exception {
        try (TimerStore store = open()) {
            for (int i = 0; i < 250; i++) {
                append(store, message("P", "k" + i), T0 + (i % 50)); // many share a due time
            }
            List<DueEntry> all = new ArrayList<>();
            long afterDue = -1;
            long afterSeq = 0;
            TopicPage page;
            do {
                page = store.listTopic("P", 0, Long.MAX_VALUE, afterDue, afterSeq, 40);
                all.addAll(page.entries());
                DueEntry last = page.entries().get(page.entries().size() - 1);
                afterDue = last.dueMs();
                afterSeq = last.seq();
            } while (page.more());
            assertEquals(250, all.size());
            assertEquals(250, all.stream().map(DueEntry::seq).distinct().count());
            for (int i = 1; i < all.size(); i++) {
                DueEntry p = all.get(i - 1);
                DueEntry c = all.get(i);
                assertTrue(p.dueMs() < c.dueMs() || (p.dueMs() == c.dueMs() && p.seq() < c.seq()));
            }
            assertEquals(50, store.listTopic("P", T0 + 10, T0 + 19, -1, 0, 1000).entries().size(),
                    "a due-time window [from, to]");
        }
    }

    @Test
    void shouldFindTimersByEachOfTheirSpaceSeparatedKeys() throws Exception {
        try (TimerStore store = open()) {
            append(store, message("T", "A", "k1 k2", "a"), T0 + 1);
            append(store, message("T", "B", "k2", "b"), T0 + 2);
            append(store, message("U", "C", "k2", "c"), T0 + 3);
            assertEquals(List.of("A"), store.findByKey("T", "k1").stream().map(DueEntry::uniqKey).toList());
            assertEquals(List.of("A", "B"), store.findByKey("T", "k2").stream().map(DueEntry::uniqKey).toList());
            assertTrue(store.findByKey("T", "k").isEmpty());
        }
    }

    @Test
    void shouldKeepOneYearAndTenYearTimersExactly() throws Exception {
        long oneYear = T0 + 365L * 24 * 3600 * 1000;
        long tenYears = T0 + 3650L * 24 * 3600 * 1000 + 7;
        try (TimerStore store = open()) {
            append(store, message("T", "Y10"), tenYears);
            append(store, message("T", "Y1"), oneYear);
        }
        try (TimerStore store = open()) {
            List<DueEntry> due = store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 10);
            assertEquals(List.of(oneYear, tenYears), due.stream().map(DueEntry::dueMs).toList());
            assertTrue(store.scanDue(0, Long.MAX_VALUE, oneYear - 1, 10).isEmpty());
        }
    }

    @Test
    void shouldPageOneHundredThousandTimersDueInTheSameMillisecond() throws Exception {
        try (TimerStore store = open()) {
            List<CompletableFuture<List<AppendResult>>> futures = new ArrayList<>();
            for (int batch = 0; batch < 100; batch++) {
                List<AppendRequest> requests = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    requests.add(new AppendRequest(message("T", "s" + batch + "-" + i, null, "b"), T0 + 5));
                }
                futures.add(store.appendAll(requests));
            }
            futures.forEach(CompletableFuture::join);
            long afterDue = 0;
            long afterSeq = Long.MAX_VALUE;
            long seen = 0;
            long lastSeq = -1;
            while (true) {
                List<DueEntry> page = store.scanDue(afterDue, afterSeq, Long.MAX_VALUE, 4096);
                if (page.isEmpty()) {
                    break;
                }
                for (DueEntry e : page) {
                    assertEquals(T0 + 5, e.dueMs());
                    assertTrue(e.seq() > lastSeq, "no repeat, no gap in order");
                    lastSeq = e.seq();
                    seen++;
                }
                DueEntry last = page.get(page.size() - 1);
                afterDue = last.dueMs();
                afterSeq = last.seq();
            }
            assertEquals(100_000, seen);
        }
    }

    @Test
    void shouldShareFsyncsBetweenConcurrentSyncAppends() throws Exception {
        StoreConfig config = StoreFixture.config(dir).withFlushMode(FlushMode.SYNC_FLUSH);
        try (TimerStore store = TimerStore.open(config, clock)) {
            List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                futures.add(store.append(message("T", "g" + i), T0 + i));
            }
            futures.forEach(CompletableFuture::join);
            StoreStats stats = store.stats();
            assertEquals(2000, stats.pending());
            assertTrue(stats.fsyncs() < 2000 && stats.fsyncs() > 0, "group commit: " + stats.fsyncs() + " fsyncs");
            assertEquals(stats.writePosition(), stats.flushedPosition());
        }
    }

    @Test
    void shouldKeepCountersRightAfterRestart() throws Exception {
        try (TimerStore store = open()) {
            for (int i = 0; i < 30; i++) {
                append(store, message(i % 3 == 0 ? "X" : "Y", "c" + i), T0 + i);
            }
            DueEntry first = store.scanDue(0, Long.MAX_VALUE, Long.MAX_VALUE, 1).get(0);
            store.ack(first.dueMs(), first.seq());
        }
        try (TimerStore store = open()) {
            assertEquals(29, store.pendingCount());
            assertEquals(9, store.pendingCount("X"));
            assertEquals(20, store.pendingCount("Y"));
            assertEquals(java.util.Map.of("X", 9L, "Y", 20L), store.pendingByTopic());
            assertEquals(0, store.recoveryReport().replayedRecords(), "a clean stop leaves nothing to replay");
        }
    }

    @Test
    void shouldRefuseAppendsWithBusyWhenTheQueueIsFull() throws Exception {
        StoreConfig config = StoreFixture.config(dir).withAppendQueueCapacity(1);
        try (TimerStore store = TimerStore.open(config, clock)) {
            List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                futures.add(store.append(message("T", "q" + i), T0 + i));
            }
            long busy = futures.stream().filter(f -> {
                try {
                    f.join();
                    return false;
                } catch (Exception e) {
                    assertTrue(e.getCause() instanceof StoreBusyException, e.toString());
                    return true;
                }
            }).count();
            assertTrue(busy > 0, "a full queue answers busy rather than queueing without bound");
            assertEquals(5000 - busy, store.pendingCount());
            assertNotNull(store.stats());
        }
    }
}
