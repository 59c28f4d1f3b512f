package io.sundial.store.service;

import io.sundial.store.AppendRequest;
import io.sundial.store.AppendResult;
import io.sundial.store.StoreConfig;
import io.sundial.store.TestMessages;
import io.sundial.store.TimerStore;
import io.sundial.store.log.FlushMode;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.time.ManualClock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A real store on a temporary directory, a manual clock, a {@link Scheduler} stepped by hand with a synchronous
 * hand-off, and a {@link FakeDispatcher}: the service without threads, so tests assert exact milliseconds.
 */
final class ServiceHarness implements AutoCloseable {
    static final long T0 = 1_750_000_000_000L;

    final ManualClock clock;
    final TimerStore store;
    final FakeDispatcher dispatcher;
    final ServiceConfig config;
    final Scheduler scheduler;
    /** The most timers held in memory after any step so far. */
    int maxInMemory;

    ServiceHarness(Path dir, ServiceConfig config) throws IOException {
        this(dir, config, new ManualClock(T0));
    }

    ServiceHarness(Path dir, ServiceConfig config, ManualClock clock) throws IOException {
        this(dir, config, clock, Runnable::run);
    }

    /** With {@code executor} for the dispatch side instead of the synchronous hand-off (a test runs its tasks). */
    ServiceHarness(Path dir, ServiceConfig config, ManualClock clock, Executor executor) throws IOException {
        this.clock = clock;
        this.config = config.withAckLingerMs(0); // no acknowledgement thread: outcomes settle within the step
        this.store = TimerStore.open(storeConfig(dir), clock);
        this.dispatcher = new FakeDispatcher(clock);
        this.scheduler = new Scheduler(store, dispatcher, this.config, clock, executor, new SplittableRandom(42));
        store.listener(scheduler.listener());
    }

    static StoreConfig storeConfig(Path dir) {
        return StoreConfig.defaults()
                .withStorePath(dir)
                .withSegmentSize(64 << 20)
                // At a million pending timers a 64 MiB budget evicts index and filter blocks: gets cost 40 us.
                .withIndexMemoryBudget(256L << 20)
                .withFlushMode(FlushMode.ASYNC_FLUSH)
                // Rare periodic fsyncs: TimerStore.close() interrupts one in progress, which fails the close.
                .withFlushIntervalMs(60_000)
                .withReclaimIntervalMs(0);
    }

    /** Small settings that make paging and bounds visible with few timers. */
    static ServiceConfig config() {
        return ServiceConfig.defaults().withLoadIntervalMs(10).withDispatchBatchSize(8);
    }

    long now() {
        return clock.wallMillis();
    }

    /** Appends a timer of {@code topic}, queue 1, due at {@code dueMs}; returns its sequence. */
    long append(String topic, String uniqKey, long dueMs) throws Exception {
        return store.append(TestMessages.message(topic, uniqKey), dueMs).get(10, TimeUnit.SECONDS).seq();
    }

    /** Appends timers of {@code topic} on queue {@code queueId}, one per due time, in one group. */
    List<Long> appendAll(String topic, int queueId, List<Long> dueTimes, String keyPrefix) throws Exception {
        List<AppendRequest> requests = new ArrayList<>(dueTimes.size());
        for (int i = 0; i < dueTimes.size(); i++) {
            TimerMessage m = TestMessages.message(topic, keyPrefix + i);
            m = new TimerMessage(m.topic(), queueId, m.brokerName(), m.defaultTopic(),
                    m.defaultTopicQueueNums(), m.producerGroup(), m.sysFlag(), m.flag(), m.bornTimestamp(),
                    m.bornHost(), m.reconsumeTimes(), m.properties(), m.body());
            requests.add(new AppendRequest(m, dueTimes.get(i)));
        }
        return store.appendAll(requests).get(60, TimeUnit.SECONDS).stream().map(AppendResult::seq).toList();
    }

    /** Steps until the scheduler has nothing more to do at this instant. */
    void settle() {
        for (int i = 0; i < 10_000_000; i++) {
            long wait = scheduler.step();
            ServiceStats s = scheduler.stats();
            maxInMemory = Math.max(maxInMemory, s.inWheel() + s.outOfWheel());
            if (wait > 0) {
                return;
            }
        }
        throw new AssertionError("scheduler never settled");
    }

    /** Moves both clocks to {@code wallMs} (not backwards) and settles. */
    void advanceTo(long wallMs) {
        if (wallMs < now()) {
            throw new IllegalArgumentException("advanceTo goes forward only: " + wallMs + " < " + now());
        }
        clock.advance(wallMs - now());
        settle();
    }

    /** Moves one millisecond at a time up to {@code wallMs}, settling at each. */
    void walkTo(long wallMs) {
        while (now() < wallMs) {
            clock.advance(1);
            settle();
        }
    }

    ServiceStats stats() {
        return scheduler.stats();
    }

    @Override
    public void close() throws IOException {
        store.listener(null);
        store.close();
    }
}
