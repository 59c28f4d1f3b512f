package io.sundial.store.service;

import io.sundial.store.ChangeResult;
import io.sundial.store.index.DueEntry;
import io.sundial.store.index.ParkedTimer;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static io.sundial.store.service.ServiceHarness.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-off: outcomes per timer (delivered, retry, park), lanes kept apart, batches, and failures. */
class SchedulerDeliveryTest {
    @TempDir
    Path dir;

    private static ServiceConfig config() {
        return ServiceHarness.config().withRetryBackoffMs(100, 1_000);
    }

    @Test
    void shouldRetryAfterAGrowingBackoffAndDeliverOnALaterAttempt() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) {
            int[] calls = {0};
            h.dispatcher.answer("T", t -> ++calls[0] <= 2 ? Outcome.retry("broker busy") : Outcome.delivered());
            h.append("T", "k", T0 + 100);
            h.advanceTo(T0 + 100);
            assertEquals(1, h.stats().retried());
            assertEquals(1, h.stats().lanesBackingOff());
            assertEquals(0, h.stats().inWheel() + h.stats().outOfWheel(), "a retried timer leaves memory");
            assertEquals(1, h.store.pendingCount(), "but stays pending in the store");
            h.walkTo(T0 + 2_000);
            List<FakeDispatcher.Call> c = h.dispatcher.calls();
            assertEquals(3, c.size());
            long first = c.get(1).atMs() - c.get(0).atMs();
            long second = c.get(2).atMs() - c.get(1).atMs();
            assertTrue(first >= 100 && first <= 200, "first backoff in [100, 200]: " + first);
            assertTrue(second >= 200 && second <= 400, "second backoff in [200, 400]: " + second);
            assertEquals(0, h.store.pendingCount());
            assertEquals(2, h.stats().reloaded());
            assertEquals(0, h.stats().lanes(), "an idle lane is forgotten");
        }
    }

    @Test
    void shouldKeepALanesDueOrderAcrossARetry() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) {
            boolean[] failed = {false};
            h.dispatcher.answer("T", t -> {
                if (!failed[0]) {
                    failed[0] = true;
                    return Outcome.retry("once");
                }
                return Outcome.delivered();
            });
            List<Long> seqs = h.appendAll("T", 1, LongStream.range(0, 20).mapToObj(i -> T0 + 100 + i).toList(), "k");
            h.walkTo(T0 + 1_000);
            List<Long> handed = h.dispatcher.seqs();
            assertEquals(seqs.get(0), handed.get(0), "the first attempt");
            assertEquals(seqs, handed.subList(1, handed.size()), "then all, in due order, once each");
            assertEquals(20, h.stats().reloaded(), "those due during the backoff came back from the store");
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldSendRetriedTimersBackToTheStoreSoRetriesCannotFillTheBound() throws Exception {
        ServiceConfig config = config().withMaxWheelReferences(100).withLoadBatchSize(20);
        try (ServiceHarness h = new ServiceHarness(dir, config)) {
            h.dispatcher.answer("bad", t -> Outcome.retry("topic paused"));
            List<Long> dues = LongStream.range(0, 300).mapToObj(i -> T0 + 100 + i).toList();
            h.appendAll("bad", 1, dues, "b");
            h.appendAll("good", 1, dues, "g");
            h.walkTo(T0 + 3_000);
            List<FakeDispatcher.Call> good = h.dispatcher.calls("good");
            assertEquals(300, good.size());
            for (FakeDispatcher.Call c : good) {
                assertEquals(c.dueMs(), c.atMs(), "not held back by the failing topic: " + c);
            }
            assertEquals(300, h.store.pendingCount("bad"));
            assertTrue(h.maxInMemory <= 100 + 4 * config.dispatchBatchSize(), "bound held: " + h.maxInMemory);
            assertTrue(h.stats().outOfWheel() <= 4 * config.dispatchBatchSize());
        }
    }

    @Test
    void shouldNotBringBackATimerCancelledDuringItsBackoff() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) {
            h.dispatcher.answer("T", t -> Outcome.retry("no route"));
            h.append("T", "k", T0 + 100);
            h.advanceTo(T0 + 100);
            assertEquals(1, h.dispatcher.calls().size());
            assertEquals(ChangeResult.Status.CHANGED, h.store.cancel("T", "k").get(10, TimeUnit.SECONDS).status());
            h.walkTo(T0 + 3_000);
            assertEquals(1, h.dispatcher.calls().size());
            assertEquals(0, h.stats().reloaded());
            assertEquals(0, h.stats().lanes());
        }
    }

    @Test
    void shouldCallItABurstFromMoreFiredTimersWaitingForTheirLaneThanABatchHoldsUntilASecondAfter() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) { // batches of 8
            h.dispatcher.hold("T");
            h.appendAll("T", 1, Collections.nCopies(20, T0 + 100), "k");
            assertFalse(h.scheduler.dispatchingABurst(), "nothing fired yet");

            h.advanceTo(T0 + 100); // one lane: 8 in flight, 12 waiting
            assertTrue(h.scheduler.dispatchingABurst());

            h.dispatcher.takeHeld().forEach(c -> c.answer(Outcome.delivered()));
            h.settle(); // 8 more in flight, 4 waiting
            assertTrue(h.scheduler.dispatchingABurst(), "its tail is still on the way to the consumers");
            h.dispatcher.takeHeld().forEach(c -> c.answer(Outcome.delivered()));
            h.settle();
            h.dispatcher.takeHeld().forEach(c -> c.answer(Outcome.delivered()));
            h.settle();
            assertEquals(20, h.stats().delivered());
            h.advanceTo(T0 + 100 + TimeUnit.NANOSECONDS.toMillis(Scheduler.BURST_TAIL_NANOS) - 1);
            assertTrue(h.scheduler.dispatchingABurst());
            h.advanceTo(T0 + 100 + TimeUnit.NANOSECONDS.toMillis(Scheduler.BURST_TAIL_NANOS));
            assertFalse(h.scheduler.dispatchingABurst(), "a second after the last step with a backlog");
        }
    }

    @Test
    void shouldNotCallItABurstWhileTheLoaderWaitsForTheMemoryItsTimersHold() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config().withMaxWheelReferences(24))) { // batches of 8
            h.dispatcher.hold("T");
            h.appendAll("T", 1, Collections.nCopies(40, T0 + 100), "k");
            h.advanceTo(T0 + 100); // 24 in memory: 8 in flight, 16 waiting, 16 more not loaded for want of room
            assertEquals(24, h.stats().outOfWheel());
            assertFalse(h.scheduler.dispatchingABurst());
        }
    }

    @Test
    void shouldAnswerTooLateToACancelOfATimerBeingDelivered() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) {
            h.dispatcher.hold("T");
            h.append("T", "k", T0 + 100);
            h.append("T", "other", T0 + 5_000);
            h.advanceTo(T0 + 100);
            List<FakeDispatcher.Held> held = h.dispatcher.takeHeld();
            assertEquals(1, held.size());
            assertEquals(ChangeResult.Status.TOO_LATE, h.store.cancel("T", "k").get(10, TimeUnit.SECONDS).status());
            assertEquals(ChangeResult.Status.TOO_LATE,
                    h.store.reschedule("T", "k", T0 + 60_000).get(10, TimeUnit.SECONDS).status());
            held.get(0).answer(Outcome.delivered());
            h.advanceTo(T0 + 200);
            assertEquals(1, h.stats().delivered());
            assertEquals(ChangeResult.Status.ALREADY_DELIVERED,
                    h.store.cancel("T", "k").get(10, TimeUnit.SECONDS).status());
            assertEquals(ChangeResult.Status.CHANGED, h.store.cancel("T", "other").get(10, TimeUnit.SECONDS).status(),
                    "a timer not yet fired is cancelled as usual");
        }
    }

    @Test
    void shouldParkAPermanentFailureAndFireItAgainWhenReleased() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) {
            h.dispatcher.answer("gone", t -> Outcome.park("topic deleted"));
            h.append("gone", "k", T0 + 100);
            h.advanceTo(T0 + 100);
            List<ParkedTimer> parked = h.store.parked("gone", 10);
            assertEquals(1, parked.size());
            assertEquals("topic deleted", parked.get(0).reason());
            assertEquals(1, h.stats().parked());
            assertEquals(1, h.store.pendingCount(), "kept, not dropped");
            h.advanceTo(T0 + 3_600_000);
            assertEquals(1, h.dispatcher.calls().size(), "never loaded again while parked");
            h.dispatcher.answer("gone", t -> Outcome.delivered());
            assertEquals(1, h.store.release("gone", -1).size());
            h.settle();
            assertEquals(2, h.dispatcher.calls().size());
            assertEquals(0, h.store.pendingCount());
            assertEquals(0, h.store.parkedCount());
        }
    }

    @Test
    void shouldNotDelayAnotherTopicWhenOneTopicFailsOrHangs() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) {
            h.dispatcher.answer("failing", t -> Outcome.retry("send failed"));
            h.dispatcher.hold("hanging");
            List<Long> dues = LongStream.range(0, 50).mapToObj(i -> T0 + 100 + 3 * i).toList();
            h.appendAll("failing", 1, dues, "f");
            h.appendAll("hanging", 1, dues, "h");
            h.appendAll("healthy", 1, dues, "ok");
            h.walkTo(T0 + 400);
            List<FakeDispatcher.Call> healthy = h.dispatcher.calls("healthy");
            assertEquals(50, healthy.size());
            healthy.forEach(c -> assertEquals(c.dueMs(), c.atMs(), "on time: " + c));
            assertEquals(1, h.dispatcher.takeHeld().size(), "the hanging lane has one batch out, no more");
            assertTrue(h.stats().retried() >= 1);
        }
    }

    @Test
    void shouldKeepOneBatchInFlightPerLaneInBatchesOfTheConfiguredSize() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) {
            h.dispatcher.hold("T");
            List<Long> dues = LongStream.range(0, 20).mapToObj(i -> T0 + 100).toList();
            List<Long> q1 = h.appendAll("T", 1, dues, "a");
            List<Long> q2 = h.appendAll("T", 2, dues, "b");
            h.advanceTo(T0 + 100);
            List<Integer> sizes = new ArrayList<>();
            Map<Integer, List<Long>> byQueue = new HashMap<>();
            for (int round = 0; round < 3; round++) {
                List<FakeDispatcher.Held> held = h.dispatcher.takeHeld();
                assertEquals(2, held.size(), "one batch per lane at a time");
                for (FakeDispatcher.Held c : held) {
                    sizes.add(c.timers().size());
                    c.timers().forEach(t -> byQueue.computeIfAbsent(c.lane().queueId(), q -> new ArrayList<>())
                            .add(t.entry().seq()));
                    c.answer(Outcome.delivered());
                }
                h.settle();
            }
            assertEquals(List.of(8, 8, 8, 8, 4, 4), sizes);
            assertEquals(q1, byQueue.get(1));
            assertEquals(q2, byQueue.get(2));
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldStartEachBurstOfALaneWithASmallBatchAndDoubleItWhileBatchesGoOutFull() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config().withDispatchBatchSize(256))) {
            List<Long> burst = h.appendAll("T", 1, LongStream.range(0, 1000).mapToObj(i -> T0 + 100).toList(), "a");
            h.advanceTo(T0 + 100);
            assertEquals(List.of(16, 32, 64, 128, 256, 256, 248), h.dispatcher.batchSizes());
            assertEquals(burst, h.dispatcher.seqs(), "the lane's order");

            h.appendAll("T", 1, LongStream.range(0, 20).mapToObj(i -> T0 + 200).toList(), "b");
            h.advanceTo(T0 + 200);
            assertEquals(List.of(16, 4), h.dispatcher.batchSizes().subList(7, 9),
                    "a lane that went idle starts small again");
            assertEquals(0, h.store.pendingCount());
        }
    }

    @Test
    void shouldSendALanesNextBatchOnceTheBackendTookTheLastBeforeItsAcknowledgementIsWritten() throws Exception {
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        try (ServiceHarness h = new ServiceHarness(dir, config(), new ManualClock(T0), tasks::add)) {
            List<Long> seqs = h.appendAll("T", 1, LongStream.range(0, 20).mapToObj(i -> T0 + 100).toList(), "a");
            h.advanceTo(T0 + 100);
            tasks.poll().run(); // the first batch: read, dispatched, answered "delivered" at once
            h.settle();
            assertEquals(List.of(8), h.dispatcher.batchSizes());
            assertEquals(2, tasks.size(), "the first batch's settling and the second batch, both waiting");
            tasks.pollLast().run(); // the second batch, before the first one's acknowledgement
            assertEquals(List.of(8, 8), h.dispatcher.batchSizes());
            assertEquals(20, h.store.pendingCount(), "nothing acknowledged yet");
            while (!tasks.isEmpty()) {
                tasks.poll().run();
                h.settle();
            }
            assertEquals(seqs, h.dispatcher.seqs(), "the lane's order");
            assertEquals(0, h.store.pendingCount());
            assertEquals(0, h.stats().outOfWheel());
        }
    }

    @Test
    void shouldKeepTheLaneOfABatchNotTakenWholeUntilItIsSettled() throws Exception {
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        try (ServiceHarness h = new ServiceHarness(dir, config(), new ManualClock(T0), tasks::add)) {
            h.dispatcher.answer("T", t -> t.entry().uniqKey().equals("a3") ? Outcome.retry("busy") : Outcome.delivered());
            h.appendAll("T", 1, LongStream.range(0, 20).mapToObj(i -> T0 + 100).toList(), "a");
            h.advanceTo(T0 + 100);
            tasks.poll().run();
            h.settle();
            assertEquals(1, tasks.size(), "only the settling: the lane waits for it, and then backs off");
            tasks.poll().run();
            h.settle();
            assertTrue(tasks.isEmpty(), "backing off, nothing sent");
            assertEquals(List.of(8), h.dispatcher.batchSizes());
        }
    }

    @Test
    void shouldTreatADispatcherThatThrowsFailsOrMiscountsAsARetry() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) {
            h.dispatcher.override("throws", (lane, timers) -> {
                throw new IllegalStateException("bug");
            });
            h.dispatcher.override("fails", (lane, timers) -> CompletableFuture.failedFuture(new IOException("down")));
            h.dispatcher.override("miscounts", (lane, timers) -> CompletableFuture.completedFuture(List.of()));
            for (String topic : List.of("throws", "fails", "miscounts")) {
                h.append(topic, "k", T0 + 100);
            }
            h.advanceTo(T0 + 100);
            assertEquals(3, h.stats().retried());
            assertEquals(3, h.stats().lanesBackingOff());
            assertEquals(3, h.store.pendingCount());
            h.dispatcher.override("fails", (lane, timers) -> CompletableFuture.completedFuture(
                    timers.stream().map(t -> Outcome.delivered()).toList()));
            h.walkTo(T0 + 400);
            assertEquals(2, h.store.pendingCount(), "the one that recovered is delivered");
        }
    }

    @Test
    void shouldParkATimerWhoseRecordIsCorruptWithoutDispatchingIt() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, config())) {
            h.append("T", "bad", T0 + 100);
            h.append("T", "ok", T0 + 100);
            corrupt(h.store.findByUniqKey("T", "bad").get(0));
            h.advanceTo(T0 + 100);
            assertEquals(List.of("ok"), h.dispatcher.calls().stream().map(FakeDispatcher.Call::uniqKey).toList());
            List<ParkedTimer> parked = h.store.parked("T", 10);
            assertEquals(1, parked.size());
            assertTrue(parked.get(0).reason().startsWith("corrupt record"), parked.get(0).reason());
            assertEquals(1, h.stats().parked());
        }
    }

    /** Flips the last byte of the timer's record in its segment file, so that its checksum fails. */
    private void corrupt(DueEntry e) throws IOException {
        Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("timerlog"))) {
            segment = files.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .filter(p -> base(p) <= e.position())
                    .max((a, b) -> Long.compare(base(a), base(b))).orElseThrow();
        }
        long offset = e.position() - base(segment) + e.size() - 1;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) ~b.get(0)).rewind();
            ch.write(b, offset);
        }
    }

    private static long base(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - ".log".length()));
    }
}
