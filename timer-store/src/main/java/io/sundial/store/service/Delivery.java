package io.sundial.store.service;

import io.sundial.store.DeliverySession;
import io.sundial.store.TimerId;
import io.sundial.store.TimerStore;
import io.sundial.store.index.DueEntry;
import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The dispatch-thread side of the hand-off: for one batch of a lane, marks the timers still pending as in flight
 * ({@link DeliverySession#begin}) and reads their records, calls the {@link Dispatcher}, then settles the
 * outcomes in the store ({@link DeliverySession#ack} for the delivered, through the {@link AckCombiner}, which
 * writes them in groups; {@link DeliverySession#park} for the parked, {@link DeliverySession#end} for the rest) and
 * reports the batch back to the wheel thread.
 *
 * <p><b>The lane is free at the answer.</b> When the backend has taken every timer of a batch, the lane is
 * released at once ({@code onAnswered}), before the acknowledgement is written: the lane's next batch goes out
 * while this one is settled, so a busy lane's cycle is the backend's round trip, not round trip plus index write
 * plus two thread hand-offs. The order of the lane holds (the next batch is sent after this one was stored), and
 * the timers stay in the wheel thread's fired set until the {@link Result} arrives, as before. A batch with any
 * other outcome keeps its lane until it is settled, since the lane may have to back off.
 *
 * <p><b>Why check before dispatch.</b> A timer cancelled or rescheduled after the wheel fired it, but before its
 * delivery began, is no longer pending under its key: it is skipped, never delivered. Once its delivery began, a
 * cancel or reschedule is refused as too late. A record that fails its checksum is parked with the
 * reason: corrupt bytes are never delivered. The batch is reported back only after its acknowledgement is
 * written, and the store writes an index change and tells its listener under one lock, so by the time a timer
 * leaves the set of fired timers, the store has either told the wheel thread about any append racing it or no
 * longer holds it as pending (see {@link Scheduler}).
 *
 * <p>Thread-safe: {@link #submit} is called by the wheel thread, the rest runs on the dispatch executor.
 */
final class Delivery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

    /** What became of one timer of a batch. */
    enum State { DELIVERED, RETRY, PARKED, SKIPPED }

    /**
     * A settled batch, reported to the wheel thread; {@code states[i]} is what became of {@code batch.get(i)}.
     * {@code laneReleased}: its lane was already released when the backend answered (see the class comment).
     */
    record Result(LaneState lane, List<Fired> batch, State[] states, String retryReason, boolean laneReleased) {
        Result(LaneState lane, List<Fired> batch, State[] states, String retryReason) {
            this(lane, batch, states, retryReason, false);
        }
    }

    private final TimerStore store;
    private final DeliverySession session;
    private final Dispatcher dispatcher;
    private final Executor executor;
    private final Consumer<Result> onDone;
    private final Consumer<LaneState> onAnswered;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder[] counts = new LongAdder[State.values().length];
    private final Object idleMonitor = new Object();
    private final AckCombiner acks;

    /**
     * @param onDone     hears of each settled batch
     * @param onAnswered hears of a lane whose batch the backend took whole, before that batch is settled
     * @param dispatchingABurst whether acknowledgements should wait (see {@link AckCombiner})
     */
    Delivery(TimerStore store, Dispatcher dispatcher, Executor executor, ServiceConfig config,
             Consumer<Result> onDone, Consumer<LaneState> onAnswered, BooleanSupplier dispatchingABurst) {
        this.store = store;
        this.session = store.deliverySession();
        this.dispatcher = dispatcher;
        this.executor = executor;
        this.onDone = onDone;
        this.onAnswered = onAnswered;
        this.acks = new AckCombiner(session, config.ackLingerMs(), config.ackBurstWaitMs(), dispatchingABurst);
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** Timers settled in {@code state} so far, counted when settled (so also during and after close). */
    long count(State state) {
        return counts[state.ordinal()].sum();
    }

    /** Hands a batch (all of one lane, in due order) to a dispatch thread. */
    void submit(LaneState lane, List<Fired> batch) {
        inFlight.incrementAndGet();
        try {
            executor.execute(() -> prepare(lane, batch));
        } catch (RejectedExecutionException e) {
            State[] states = new State[batch.size()];
            Arrays.fill(states, State.RETRY);
            finish(new Result(lane, batch, states, "timer service is closing"), List.of());
        }
    }

    /** Batches submitted and not yet settled. */
    int inFlight() {
        return inFlight.get();
    }

    /** Waits until no batch is in flight, at most {@code timeoutMs}; returns whether none is. */
    boolean awaitIdle(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (idleMonitor) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(idleMonitor, left);
            }
        }
        return true;
    }

    private void prepare(LaneState lane, List<Fired> batch) {
        State[] states = new State[batch.size()];
        DueEntry[] entries = new DueEntry[batch.size()];
        List<DueTimer> timers = new ArrayList<>(batch.size());
        String reason = null;
        List<DueEntry> pending;
        try {
            pending = beginDelivery(batch);
        } catch (RuntimeException x) {
            // The index could not be read: retry the whole batch after the lane's backoff, nothing is lost.
            Arrays.fill(states, State.RETRY);
            finish(new Result(lane, batch, states, "looking up the fired timers failed: " + x), List.of());
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Fired f = batch.get(i);
            DueEntry e = null;
            try {
                e = pending.get(i);
                if (e == null) {
                    states[i] = State.SKIPPED; // cancelled, moved or already acknowledged since it fired
                    continue;
                }
                LogRecord r = store.read(e);
                entries[i] = e;
                timers.add(new DueTimer(e, r, f.firedAtMs()));
            } catch (CorruptRecordException c) {
                states[i] = park(e, "corrupt record: " + c.getMessage()) ? State.PARKED : State.SKIPPED;
            } catch (IOException | RuntimeException x) {
                if (e != null && stillPending(e)) {
                    states[i] = State.RETRY;
                    reason = "reading the timer failed: " + x;
                } else {
                    states[i] = State.SKIPPED;
                }
            }
        }
        if (timers.isEmpty()) {
            finish(new Result(lane, batch, states, reason), pending);
            return;
        }
        String readFailure = reason;
        CompletionStage<List<Outcome>> stage;
        try {
            stage = dispatcher.dispatch(lane.lane, List.copyOf(timers));
            if (stage == null) {
                stage = CompletableFuture.failedFuture(new IllegalStateException("dispatcher returned null"));
            }
        } catch (RuntimeException x) {
            stage = CompletableFuture.failedFuture(x);
        }
        int dispatched = timers.size();
        boolean mayRelease = readFailure == null;
        stage.whenComplete((outcomes, error) -> {
            boolean released = mayRelease && error == null && allDelivered(outcomes, dispatched);
            if (released) {
                onAnswered.accept(lane);
            }
            if (released && acks.lingers()) {
                // All delivered: settling only queues the acknowledgement, so it needs no hop to a dispatch thread.
                settle(lane, batch, states, entries, pending, outcomes, null, null, true);
            } else {
                runOnExecutor(() -> settle(lane, batch, states, entries, pending, outcomes, error, readFailure,
                        released));
            }
        });
    }

    private static boolean allDelivered(List<Outcome> outcomes, int dispatched) {
        if (outcomes == null || outcomes.size() != dispatched) {
            return false;
        }
        for (Outcome o : outcomes) {
            if (!(o instanceof Outcome.Delivered)) {
                return false;
            }
        }
        return true;
    }

    private void settle(LaneState lane, List<Fired> batch, State[] states, DueEntry[] entries,
                        List<DueEntry> marked, List<Outcome> outcomes, Throwable error, String readFailure,
                        boolean laneReleased) {
        int dispatched = (int) Arrays.stream(entries).filter(e -> e != null).count();
        String reason = readFailure;
        if (error == null && (outcomes == null || outcomes.size() != dispatched)) {
            error = new IllegalStateException("dispatcher answered " + (outcomes == null ? "null" : outcomes.size())
                    + " outcomes for " + dispatched + " timers");
        }
        List<DueEntry> delivered = new ArrayList<>(dispatched);
        int k = 0;
        for (int i = 0; i < batch.size(); i++) {
            DueEntry e = entries[i];
            if (e == null) {
                continue;
            }
            Outcome o = error == null ? outcomes.get(k) : null;
            k++;
            if (o instanceof Outcome.Delivered) {
                states[i] = State.DELIVERED;
                delivered.add(e);
            } else if (o instanceof Outcome.Park p) {
                states[i] = park(e, p.reason()) ? State.PARKED : stillPending(e) ? State.RETRY : State.SKIPPED;
            } else {
                states[i] = State.RETRY;
                if (reason == null) {
                    reason = o instanceof Outcome.Retry r ? r.reason() : "dispatch failed: " + error;
                }
            }
        }
        Result result = new Result(lane, batch, states, reason, laneReleased);
        if (delivered.isEmpty()) {
            finish(result, marked);
        } else {
            acks.ack(delivered, () -> finish(result, marked));
        }
    }

    private boolean park(DueEntry e, String reason) {
        if (e == null) {
            return false;
        }
        try {
            return session.park(e, reason);
        } catch (RuntimeException x) {
            LOG.error("Parking timer seq={} of {} failed; it will be retried", e.seq(), e.topic(), x);
            return false;
        }
    }

    /** Which timers of the batch are still pending, marked in flight, with one index read for the batch. */
    private List<DueEntry> beginDelivery(List<Fired> batch) {
        List<TimerId> ids = new ArrayList<>(batch.size());
        for (Fired f : batch) {
            ids.add(new TimerId(f.ref().dueMs(), f.ref().seq()));
        }
        return session.begin(ids);
    }

    private boolean stillPending(DueEntry e) {
        try {
            return store.get(e.dueMs(), e.seq()) != null;
        } catch (RuntimeException x) {
            return true;
        }
    }

    /** Ends the deliveries still in flight (see {@link DeliverySession#close}). */
    @Override
    public void close() {
        acks.close();
        session.close();
    }

    private void runOnExecutor(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /**
     * Reports a settled batch; {@code marked} are the entries its {@link DeliverySession#begin} returned
     * (null where none). Those not delivered or parked end their delivery here, before the wheel thread hears
     * of them, so a retry can mark them again and a cancel meanwhile is no longer "too late".
     */
    private void finish(Result result, List<DueEntry> marked) {
        List<TimerId> ended = new ArrayList<>();
        for (int i = 0; i < marked.size(); i++) {
            DueEntry e = marked.get(i);
            State s = result.states()[i];
            if (e != null && s != State.DELIVERED && s != State.PARKED) {
                ended.add(TimerId.of(e));
            }
        }
        try {
            session.end(ended);
        } catch (RuntimeException x) {
            LOG.error("Ending the delivery of {} timers failed", ended.size(), x);
        }
        for (State s : result.states()) {
            counts[s.ordinal()].increment();
        }
        try {
            onDone.accept(result);
        } finally {
            if (inFlight.decrementAndGet() == 0) {
                synchronized (idleMonitor) {
                    idleMonitor.notifyAll();
                }
            }
        }
    }
}
