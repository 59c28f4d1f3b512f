package io.sundial.store.service;

import io.sundial.store.AppendRequest;
import io.sundial.store.AppendResult;
import io.sundial.store.ChangeResult;
import io.sundial.store.TestMessages;
import io.sundial.store.record.TimerMessage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory bound, timers appended behind the loader's cursor, and no double fire when loader and inserts race. */
class SchedulerBoundTest {
    @TempDir
    Path dir;

    @Test
    @Tag("slow")
    void shouldHoldTheMemoryBoundWithAMillionTimersDueInOneSecondAndFireThemAll() throws Exception {
        int total = 1_000_000;
        int bound = 50_000;
        ServiceConfig config = ServiceConfig.defaults().withMaxWheelReferences(bound).withLoadIntervalMs(10);
        try (ServiceHarness h = new ServiceHarness(dir, config)) {
            SplittableRandom random = new SplittableRandom(1);
            long maxSeq = 0;
            for (int chunk = 0; chunk < total / 10_000; chunk++) {
                List<AppendRequest> requests = new ArrayList<>(10_000);
                for (int i = 0; i < 10_000; i++) {
                    TimerMessage m = TestMessages.message("T" + (i % 4), chunk + "-" + i, null, "x");
                    m = onQueue(m, i / 4 % 4);
                    requests.add(new AppendRequest(m, T0 + 10_000 + random.nextInt(1_000)));
                }
                for (AppendResult r : h.store.appendAll(requests).get(60, TimeUnit.SECONDS)) {
                    maxSeq = Math.max(maxSeq, r.seq());
                }
            }
            h.settle();
            int inWheel = h.stats().inWheel();
            // It tops up in pages of loadBatchSize (4096), so it stops within a page of the bound.
            assertTrue(inWheel > bound - 4096 && inWheel <= bound, "loaded up to the bound, the rest on disk: "
                    + inWheel);
            h.advanceTo(T0 + 9_999);
            assertEquals(0, h.dispatcher.calls().size());
            h.advanceTo(T0 + 11_000);
            List<FakeDispatcher.Call> calls = h.dispatcher.calls();
            assertEquals(total, calls.size());
            BitSet seen = new BitSet((int) maxSeq + 1);
            for (FakeDispatcher.Call c : calls) {
                assertTrue(c.atMs() >= c.dueMs(), "never early");
                assertTrue(!seen.get((int) c.seq()), "fired twice: " + c.seq());
                seen.set((int) c.seq());
            }
            assertTrue(h.maxInMemory <= bound, "in memory at most the bound: " + h.maxInMemory);
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldFireATimerAppendedBehindTheCursorWhileTheWheelIsFullOnTime() throws Exception {
        ServiceConfig config = ServiceHarness.config().withMaxWheelReferences(100).withLoadBatchSize(40);
        try (ServiceHarness h = new ServiceHarness(dir, config)) {
            h.appendAll("T", 1, LongStream.range(0, 1_000).mapToObj(i -> T0 + 5_000).toList(), "bulk");
            h.settle();
            assertEquals(100, h.stats().inWheel(), "full");
            assertTrue(h.stats().loaderCursorMs() == T0 + 5_000, "cursor inside the millisecond");
            h.append("T", "behind", T0 + 3_000);
            h.append("T", "late", T0 - 60_000); // already overdue when appended
            h.settle();
            assertEquals(1, h.dispatcher.calls().size(), "the overdue one at once");
            assertEquals(101, h.stats().inWheel(), "inserted past the bound rather than stranded");
            h.advanceTo(T0 + 2_999);
            assertEquals(1, h.dispatcher.calls().size());
            h.walkTo(T0 + 3_000);
            assertEquals(List.of("late", "behind"),
                    h.dispatcher.calls().stream().map(FakeDispatcher.Call::uniqKey).toList());
            assertEquals(T0 + 3_000, h.dispatcher.calls().get(1).atMs());
            h.advanceTo(T0 + 5_000);
            assertEquals(1_002, h.dispatcher.calls().size());
            assertEquals(2, h.stats().directInserts());
        }
    }

    @Test
    void shouldNeverFireATimerTwiceWhileLoaderAndInsertsRace() throws Exception {
        ServiceConfig config = ServiceHarness.config().withMaxWheelReferences(300).withLoadBatchSize(16)
                .withLoadIntervalMs(1).withLoadWindowMs(200).withMaxFirePerStep(64);
        try (ServiceHarness h = new ServiceHarness(dir, config)) {
            int producers = 4;
            int perProducer = 3_000;
            AtomicBoolean done = new AtomicBoolean();
            Set<String> cancelled = ConcurrentHashMap.newKeySet();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                threads.add(new Thread(() -> produce(h, id, perProducer, cancelled)));
            }
            threads.forEach(Thread::start);
            Thread joiner = new Thread(() -> {
                threads.forEach(SchedulerBoundTest::join);
                done.set(true);
            });
            joiner.start();
            // The wheel thread's part: step, and move time on, while producers append around the cursor.
            while (!done.get()) {
                h.scheduler.step();
                h.clock.advance(1);
            }
            joiner.join();
            h.advanceTo(h.now() + 10_000);
            List<Long> seqs = h.dispatcher.seqs();
            assertEquals(seqs.size(), new HashSet<>(seqs).size(), "no timer handed over twice");
            Set<String> delivered = new HashSet<>();
            h.dispatcher.calls().forEach(c -> delivered.add(c.uniqKey()));
            for (int p = 0; p < producers; p++) {
                for (int i = 0; i < perProducer; i++) {
                    String key = p + "-" + i;
                    assertTrue(delivered.contains(key) || cancelled.contains(key), "lost: " + key);
                }
            }
            assertEquals(0, h.store.pendingCount());
            assertTrue(h.stats().directInserts() > 0 && h.stats().loaded() > 0, "both paths ran: " + h.stats());
        }
    }

    private static void produce(ServiceHarness h, int id, int count, Set<String> cancelled) {
        SplittableRandom random = new SplittableRandom(id);
        try {
            int i = 0;
            while (i < count) {
                int n = Math.min(count - i, 1 + random.nextInt(20));
                List<AppendRequest> requests = new ArrayList<>(n);
                for (int k = 0; k < n; k++, i++) {
                    // Due from just behind now to past the window's edge: both sides of the cursor.
                    long due = h.now() - 20 + random.nextInt(400);
                    requests.add(new AppendRequest(TestMessages.message("T" + random.nextInt(3), id + "-" + i),
                            due));
                }
                h.store.appendAll(requests).get(10, TimeUnit.SECONDS);
                if (random.nextInt(10) == 0) {
                    String key = id + "-" + (i - 1);
                    ChangeResult r = h.store.cancel(requests.get(n - 1).message().topic(), key)
                            .get(10, TimeUnit.SECONDS);
                    if (r.status() == ChangeResult.Status.CHANGED) {
                        cancelled.add(key);
                    }
                }
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static TimerMessage onQueue(TimerMessage m, int queueId) {
        return new TimerMessage(m.topic(), queueId, m.brokerName(), m.defaultTopic(), m.defaultTopicQueueNums(),
                m.producerGroup(), m.sysFlag(), m.flag(), m.bornTimestamp(), m.bornHost(), m.reconsumeTimes(),
                m.properties(), m.body());
    }
}
