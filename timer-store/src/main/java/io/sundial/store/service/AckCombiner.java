package io.sundial.store.service;

import io.sundial.store.DeliverySession;
import io.sundial.store.StoreException;
import io.sundial.store.config.DaemonThreads;
import io.sundial.store.index.DueEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Merges the acknowledgements of settled batches into few {@link DeliverySession#ack} calls. At moderate rates a
 * batch is mostly one timer, and a write per batch cost ~40 µs of CPU per timer; written in groups, the same
 * acknowledgements cost ~20 µs per timer there and ~6 µs in a herd's groups of thousands (decision 0021).
 *
 * <p><b>Lingering</b> ({@code lingerMs > 0}): the first acknowledgement queued starts a group; the group is
 * written by the combiner's own thread {@code lingerMs} later, or at once when it reaches {@link #MAX_GROUP}
 * timers. The delay is off the delivery path: a lane whose batch the backend took sends its next batch at the
 * answer, before its acknowledgement (decision 0018). What waits is the end of the delivery, so its timers stay
 * in flight (a cancel answers "too late") and would be re-published after a crash, for up to {@code lingerMs}
 * longer.
 *
 * <p><b>Waiting out a burst</b> ({@code burstWaitMs > 0}): while {@code dispatchingABurst} says a burst is being
 * re-published (see {@link Scheduler#dispatchingABurst}), a group is not written at all, for up to
 * {@code burstWaitMs} after its first acknowledgement and up to {@link #MAX_WAITING} timers. In a herd of 100,000
 * the writes took 0.5 CPU-s of the two cores the burst's re-publishing, the broker and its consumers share
 * (decision 0031). What waited is then written in groups of {@link #MAX_GROUP}, each followed by a rest as long as
 * its write, so the catching up takes at most half a core from the burst's tail on its way to the consumers.
 * While they wait, what waits is recorded every {@code lingerMs} ({@link DeliverySession#recordDelivered}), so
 * that a crash does not deliver a whole burst again (decision 0032); the record is forgotten once nothing
 * recorded waits any more.
 *
 * <p><b>At once</b> ({@code lingerMs == 0}, and after {@link #close}): the calling thread writes what is queued
 * (flat combining: whoever holds the combiner lock acknowledges everything queued, so batches settled at the same
 * time on different threads still share a write). Tests with a synchronous executor get their outcome before
 * the call returns.
 *
 * <p>Each batch's continuation runs after the write that carried it, on the writing thread. Thread-safe.
 */
final class AckCombiner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AckCombiner.class);
    /** Timers in a group that is written without waiting out the linger, and in one write after a burst. */
    static final int MAX_GROUP = 4096;
    /** Timers that may wait for a burst to pass (some 30 MB of heap); beyond, they are written during it. */
    static final int MAX_WAITING = 262_144;
    /**
     * Timers recorded since the record was last forgotten beyond which it is rewritten with only what still waits:
     * under bursts that never let the writer catch up, it would otherwise grow by 16 bytes a delivery.
     */
    static final int MAX_RECORDED = 4 * MAX_WAITING;

    private final DeliverySession session;
    private final long lingerMs;
    private final long burstWaitNanos;
    private final BooleanSupplier dispatchingABurst;
    private final int maxRecorded;
    private final ScheduledThreadPoolExecutor writer;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    /** Timers queued and not yet taken by a write; 0 → more starts a group. */
    private final AtomicInteger queued = new AtomicInteger();
    /** When the group being queued started (System.nanoTime). */
    private volatile long groupStartNanos;
    private volatile boolean closing;
    private final ReentrantLock combining = new ReentrantLock();
    /** Queued batches recorded as delivered; guarded by {@link #combining}. */
    private int recordedWaiting;
    /** Timers recorded since the record was last forgotten (0: nothing to forget); guarded by {@link #combining}. */
    private int recordedTimers;

    AckCombiner(DeliverySession session, long lingerMs) {
        this(session, lingerMs, 0, () -> false);
    }

    AckCombiner(DeliverySession session, long lingerMs, long burstWaitMs, BooleanSupplier dispatchingABurst) {
        this(session, lingerMs, burstWaitMs, dispatchingABurst, MAX_RECORDED);
    }

    /** @param maxRecorded see {@link #MAX_RECORDED} (tests lower it) */
    AckCombiner(DeliverySession session, long lingerMs, long burstWaitMs, BooleanSupplier dispatchingABurst,
                int maxRecorded) {
        this.session = session;
        this.maxRecorded = maxRecorded;
        this.lingerMs = lingerMs;
        this.burstWaitNanos = TimeUnit.MILLISECONDS.toNanos(burstWaitMs);
        this.dispatchingABurst = dispatchingABurst;
        if (lingerMs > 0) {
            writer = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("sundial-timer-acker"));
            writer.setRemoveOnCancelPolicy(true);
            // At close, what lingers or waits for a burst is written by close itself, at once.
            writer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        } else {
            writer = null;
        }
    }

    /** Whether acknowledgements wait for a group (then {@link #ack} only queues them). */
    boolean lingers() {
        return writer != null;
    }

    /** Acknowledges {@code delivered}, then runs {@code then} (on the thread that wrote them). */
    void ack(List<DueEntry> delivered, Runnable then) {
        queue.add(new Pending(delivered, then));
        int after = queued.addAndGet(delivered.size());
        int before = after - delivered.size();
        if (writer == null) {
            writeQueued(false);
            return;
        }
        try {
            if (before <= 0) {
                groupStartNanos = System.nanoTime();
                writer.schedule(this::lingerOver, lingerMs, TimeUnit.MILLISECONDS);
            }
            if (before < MAX_GROUP && after >= MAX_GROUP && !waitsForBurst()) {
                writer.execute(() -> writeQueued(true));
            }
        } catch (RejectedExecutionException closed) {
            writeQueued(false);
        }
    }

    /** The group's linger is over: written now, or recorded and looked at again a linger later in a burst. */
    private void lingerOver() {
        if (waitsForBurst()) {
            recordWaiting();
            try {
                writer.schedule(this::lingerOver, lingerMs, TimeUnit.MILLISECONDS);
                return;
            } catch (RejectedExecutionException closed) {
                // closing: written below
            }
        }
        writeQueued(true);
    }

    /** Records the queued batches not recorded yet, so that a crash while they wait does not re-publish them. */
    private void recordWaiting() {
        combining.lock();
        try {
            List<DueEntry> fresh = new ArrayList<>();
            for (Pending p : queue) {
                if (!p.recorded) {
                    p.recorded = true;
                    recordedWaiting++;
                    fresh.addAll(p.delivered);
                }
            }
            if (!fresh.isEmpty()) {
                if (recordedTimers + fresh.size() > maxRecorded) {
                    fresh = forgetTheRecordAndCollectWhatWaits();
                }
                session.recordDelivered(fresh);
                recordedTimers += fresh.size();
            }
        } catch (RuntimeException x) {
            LOG.error("Recording delivered timers failed; a crash before their acknowledgement re-publishes them", x);
        } finally {
            combining.unlock();
        }
    }

    /** Forgets the record and returns every recorded timer that still waits, to be recorded anew. */
    private List<DueEntry> forgetTheRecordAndCollectWhatWaits() {
        session.forgetRecorded();
        recordedTimers = 0;
        List<DueEntry> all = new ArrayList<>();
        for (Pending p : queue) {
            if (p.recorded) {
                all.addAll(p.delivered);
            }
        }
        return all;
    }

    private boolean waitsForBurst() {
        return burstWaitNanos > 0 && !closing && queued.get() < MAX_WAITING
                && System.nanoTime() - groupStartNanos < burstWaitNanos && dispatchingABurst.getAsBoolean();
    }

    /** @param onWriter called on the writer's thread, which may rest between groups */
    private void writeQueued(boolean onWriter) {
        // Re-check after unlocking: an entry queued while we wrote must not wait for the next group.
        while (!queue.isEmpty() && combining.tryLock()) {
            List<Pending> taken = new ArrayList<>();
            long startNanos = System.nanoTime();
            try {
                Pending p;
                List<DueEntry> group = new ArrayList<>();
                while (group.size() < MAX_GROUP && (p = queue.poll()) != null) {
                    taken.add(p);
                    group.addAll(p.delivered);
                    if (p.recorded) {
                        recordedWaiting--;
                    }
                }
                queued.addAndGet(-group.size());
                if (!group.isEmpty()) {
                    session.ack(group);
                }
                if (recordedTimers > 0 && recordedWaiting == 0) {
                    recordedTimers = 0;
                    session.forgetRecorded();
                }
            } catch (StoreException x) {
                // Delivered but still pending: delivered again after a restart (at least once). Logged by the store.
            } catch (RuntimeException x) {
                LOG.error("Acknowledging delivered timers failed", x);
            } finally {
                combining.unlock();
            }
            for (Pending t : taken) {
                try {
                    t.then.run();
                } catch (RuntimeException x) {
                    LOG.error("Reporting an acknowledged batch failed", x);
                }
            }
            if (onWriter) {
                restAfterAGroupOfABacklog(System.nanoTime() - startNanos);
            }
        }
    }

    /**
     * When more than a group is still queued (what waited out a burst), rests as long as the last write took;
     * not when closing, nor when the backlog outgrows {@link #MAX_WAITING}.
     */
    private void restAfterAGroupOfABacklog(long wroteNanos) {
        int left = queued.get();
        if (closing || left < MAX_GROUP || left >= MAX_WAITING) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(wroteNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes the groups still lingering or waiting for a burst and stops the thread; acknowledgements that come
     * later are written at once on their own thread.
     */
    @Override
    public void close() {
        if (writer == null) {
            return;
        }
        closing = true;
        writer.shutdown(); // drops the delayed writes: written below, since their batches were delivered
        try {
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("The acknowledgement writer did not finish within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writeQueued(false);
    }

    private static final class Pending {
        final List<DueEntry> delivered;
        final Runnable then;
        /** Guarded by the combiner's lock. */
        boolean recorded;

        Pending(List<DueEntry> delivered, Runnable then) {
            this.delivered = delivered;
            this.then = then;
        }
    }
}
