package io.sundial.store.service;

import io.sundial.store.DeliverySession;
import io.sundial.store.TimerId;
import io.sundial.store.index.DueEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AckCombinerTest {
    @TempDir
    Path dir;

    /** Marks one appended timer in flight, as the delivery of a fired timer does. */
    private static DueEntry delivering(ServiceHarness h, DeliverySession session, String key) throws Exception {
        long seq = h.append("T", key, T0 + 1000);
        DueEntry e = session.begin(List.of(new TimerId(T0 + 1000, seq))).get(0);
        assertNotNull(e);
        return e;
    }

    private static boolean pending(ServiceHarness h, DueEntry e) {
        return h.store.get(e.dueMs(), e.seq()) != null;
    }

    @Test
    void shouldWriteAcknowledgementsQueuedWithinTheLingerTogetherOnItsOwnThreadThenReportEach() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            DeliverySession session = h.store.deliverySession();
            DueEntry a = delivering(h, session, "a");
            DueEntry b = delivering(h, session, "b");
            AckCombiner acks = new AckCombiner(session, 300);
            try {
                CountDownLatch reported = new CountDownLatch(2);
                ConcurrentHashMap<String, String> seenByFirst = new ConcurrentHashMap<>();
                acks.ack(List.of(a), () -> {
                    seenByFirst.put("thread", Thread.currentThread().getName());
                    seenByFirst.put("bPending", Boolean.toString(pending(h, b)));
                    reported.countDown();
                });
                acks.ack(List.of(b), reported::countDown);

                assertTrue(pending(h, a), "written before the linger was over");
                assertEquals(2, reported.getCount());
                assertTrue(reported.await(10, TimeUnit.SECONDS));
                assertFalse(pending(h, a));
                assertFalse(pending(h, b));
                assertEquals("sundial-timer-acker", seenByFirst.get("thread"));
                assertEquals("false", seenByFirst.get("bPending"), "the two were not written in one group");
                assertFalse(h.store.isDelivering(new TimerId(a.dueMs(), a.seq())));
            } finally {
                acks.close();
            }
        }
    }

    /** Acknowledges {@code batches} during a burst: none is written before it ends, all of them after. */
    private static void assertWaitedOutABurst(ServiceHarness h, DeliverySession session, List<List<DueEntry>> batches)
            throws Exception {
        long pendingBefore = h.store.pendingCount();
        int timers = batches.stream().mapToInt(List::size).sum();
        AtomicBoolean burst = new AtomicBoolean(true);
        AckCombiner acks = new AckCombiner(session, 5, 60_000, burst::get);
        try {
            CountDownLatch reported = new CountDownLatch(batches.size());
            batches.forEach(b -> acks.ack(b, reported::countDown));

            assertFalse(reported.await(300, TimeUnit.MILLISECONDS), "written during the burst");
            assertEquals(pendingBefore, h.store.pendingCount());

            burst.set(false);
            assertTrue(reported.await(10, TimeUnit.SECONDS));
            assertEquals(pendingBefore - timers, h.store.pendingCount());
        } finally {
            acks.close();
        }
    }

    @Test
    void shouldWaitOutABurstThenWriteWhatWaited() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            DeliverySession session = h.store.deliverySession();
            h.append("T", "not delivered", T0 + 5_000);
            assertWaitedOutABurst(h, session, List.of(List.of(delivering(h, session, "a")),
                    List.of(delivering(h, session, "b"))));
            assertEquals(1, h.store.pendingCount());
        }
    }

    @Test
    void shouldWaitOutABurstEvenPastAFullGroup() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            List<TimerId> ids = h.appendAll("T", 1, Collections.nCopies(AckCombiner.MAX_GROUP, T0 + 1000), "k")
                    .stream().map(seq -> new TimerId(T0 + 1000, seq)).toList();
            DeliverySession session = h.store.deliverySession();
            assertWaitedOutABurst(h, session, List.of(session.begin(ids)));
        }
    }

    @Test
    void shouldRecordWhatWaitsForABurstAndForgetItOnceWritten() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            DeliverySession session = h.store.deliverySession();
            DueEntry a = delivering(h, session, "a");
            Path journal = dir.resolve("delivered.journal");
            AtomicBoolean burst = new AtomicBoolean(true);
            AckCombiner acks = new AckCombiner(session, 5, 60_000, burst::get);
            try {
                CountDownLatch reported = new CountDownLatch(1);
                acks.ack(List.of(a), reported::countDown);
                awaitSize(journal, 4 + 16 + 4);
                Thread.sleep(50); // later lingers must not record it again
                assertEquals(4 + 16 + 4, Files.size(journal), "one block naming the one timer that waits");
                assertTrue(pending(h, a));

                burst.set(false);
                assertTrue(reported.await(10, TimeUnit.SECONDS));
                assertFalse(pending(h, a));
                assertEquals(0, Files.size(journal), "the record outlived the acknowledgement");
            } finally {
                acks.close();
            }
        }
    }

    private static void awaitSize(Path file, long size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.size(file) != size && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(size, Files.size(file));
    }

    @Test
    void shouldRewriteTheRecordWithWhatStillWaitsOnceItHoldsTooMany() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            DeliverySession session = h.store.deliverySession();
            Path journal = dir.resolve("delivered.journal");
            AckCombiner acks = new AckCombiner(session, 5, 60_000, () -> true, 2);
            try {
                acks.ack(List.of(delivering(h, session, "a")), () -> { });
                awaitSize(journal, 4 + 16 + 4);
                acks.ack(List.of(delivering(h, session, "b")), () -> { });
                awaitSize(journal, 2 * (4 + 16 + 4));
                acks.ack(List.of(delivering(h, session, "c")), () -> { });
                awaitSize(journal, 4 + 3 * 16 + 4); // one block naming all three, not a third block
            } finally {
                acks.close();
            }
            assertEquals(0, Files.size(journal));
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldWriteDuringABurstOnceTheGroupWaitedItsLongest() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            DeliverySession session = h.store.deliverySession();
            DueEntry a = delivering(h, session, "a");
            AckCombiner acks = new AckCombiner(session, 5, 200, () -> true);
            try {
                CountDownLatch reported = new CountDownLatch(1);
                long start = System.nanoTime();
                acks.ack(List.of(a), reported::countDown);
                assertTrue(reported.await(10, TimeUnit.SECONDS), "a burst that never ends held it forever");
                assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200),
                        "written before it had waited 200 ms");
                assertFalse(pending(h, a));
            } finally {
                acks.close();
            }
        }
    }

    @Test
    void shouldWriteWhatWaitsForABurstWhenClosed() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            DeliverySession session = h.store.deliverySession();
            DueEntry a = delivering(h, session, "a");
            AckCombiner acks = new AckCombiner(session, 5, 60_000, () -> true);
            CountDownLatch reported = new CountDownLatch(1);
            acks.ack(List.of(a), reported::countDown);
            assertTrue(pending(h, a));

            acks.close();
            assertEquals(0, reported.getCount(), "close left a delivered batch unacknowledged");
            assertFalse(pending(h, a));
        }
    }

    @Test
    void shouldWriteWhatStillLingersWhenClosedAndAtOnceAfterwards() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            DeliverySession session = h.store.deliverySession();
            DueEntry a = delivering(h, session, "a");
            DueEntry b = delivering(h, session, "b");
            AckCombiner acks = new AckCombiner(session, 60_000);
            CountDownLatch reported = new CountDownLatch(1);
            acks.ack(List.of(a), reported::countDown);
            assertTrue(pending(h, a));

            acks.close();
            assertEquals(0, reported.getCount(), "close left a delivered batch unacknowledged");
            assertFalse(pending(h, a));

            Thread[] ranOn = new Thread[1];
            acks.ack(List.of(b), () -> ranOn[0] = Thread.currentThread());
            assertFalse(pending(h, b));
            assertEquals(Thread.currentThread(), ranOn[0]);
        }
    }

    @Test
    void shouldWriteAtOnceOnTheCallingThreadWithoutLinger() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, ServiceHarness.config())) {
            DeliverySession session = h.store.deliverySession();
            DueEntry a = delivering(h, session, "a");
            AckCombiner acks = new AckCombiner(session, 0);
            Thread[] ranOn = new Thread[1];
            acks.ack(List.of(a), () -> ranOn[0] = Thread.currentThread());
            assertNull(h.store.get(a.dueMs(), a.seq()));
            assertEquals(Thread.currentThread(), ranOn[0]);
            acks.close();
        }
    }
}
