package io.sundial.store.service;

import io.sundial.store.TimerListener;
import io.sundial.store.TimerStore;
import io.sundial.store.config.DaemonThreads;
import io.sundial.store.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

/**
 * Fires the store's timers when due and hands them to a {@link Dispatcher}: owns the wheel thread (which runs the
 * loader and the wheel, see {@link Scheduler}) and the dispatch threads.
 *
 * <p><b>Threads.</b> One thread, {@code sundial-timer-wheel}, owns the wheel: it steps the {@link Scheduler} and
 * then sleeps until the earliest of the wheel's next due time, the next load and the next retry, never longer
 * than {@code loadIntervalMs}, woken early when the store appends, cancels or reschedules a timer or a batch is
 * settled. {@code dispatchThreads} threads read due records, call the dispatcher and acknowledge or park.
 *
 * <p><b>Clocks.</b> Due times are wall-clock epoch ms, the only clock producers share with Sundial. The thread
 * sleeps on the monotonic clock (a parked thread's timeout), so a wall-clock step never lengthens or shortens a
 * sleep, and it re-reads wall time each time it wakes. A timer fires only once the wall clock reads at least its
 * due time. So when NTP steps the wall clock:
 * <ul>
 *   <li><b>forward</b>: everything that became due fires on the next wake-up, at most {@code loadIntervalMs}
 *       later (late, by the size of the step, never early);</li>
 *   <li><b>back</b>: nothing fires until the wall clock again reads a timer's due time: timers are delayed by the
 *       size of the step and never fire early. Timers already handed to the dispatcher are unaffected.</li>
 * </ul>
 * Retry backoffs are measured on the monotonic clock and are unaffected by either step.
 *
 * <p><b>Lifecycle.</b> {@link #start} registers the service as the store's {@link TimerListener} (the store has
 * one) and starts the threads; {@link #close} undoes this in reverse order. The store must be open for the
 * service's whole life and closed after it.
 *
 * <p>Thread-safe.
 */
public final class TimerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TimerService.class);
    private static final long ERROR_PAUSE_MS = 100;

    private final TimerStore store;
    private final ServiceConfig config;
    private final ThreadPoolExecutor executor;
    private final Scheduler scheduler;
    private final Thread wheelThread;
    private volatile boolean running;
    private boolean started;
    private boolean closed;

    /** A service with a randomly seeded backoff jitter. */
    public TimerService(TimerStore store, Dispatcher dispatcher, ServiceConfig config, Clock clock) {
        this(store, dispatcher, config, clock, new SplittableRandom());
    }

    /** A service whose backoff jitter comes from {@code random}. Nothing runs until {@link #start}. */
    public TimerService(TimerStore store, Dispatcher dispatcher, ServiceConfig config, Clock clock,
                        RandomGenerator random) {
        this.store = Objects.requireNonNull(store, "store");
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(dispatcher, "dispatcher");
        Objects.requireNonNull(clock, "clock");
        this.executor = new ThreadPoolExecutor(config.dispatchThreads(), config.dispatchThreads(), 0,
                TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), DaemonThreads.numbered("sundial-timer-dispatch"));
        this.scheduler = new Scheduler(store, dispatcher, config, clock, executor, random);
        this.wheelThread = new Thread(this::run, "sundial-timer-wheel");
        this.wheelThread.setDaemon(true);
        scheduler.wakeup(() -> LockSupport.unpark(wheelThread));
    }

    /** Starts listening to the store and firing. Returns this. Throws if already started or closed. */
    public synchronized TimerService start() {
        if (started || closed) {
            throw new IllegalStateException("timer service " + (closed ? "is closed" : "already started"));
        }
        started = true;
        running = true;
        store.listener(scheduler.listener());
        wheelThread.start();
        LOG.info("Timer service started: {}", config);
        return this;
    }

    private void run() {
        while (running) {
            long waitMs;
            try {
                waitMs = scheduler.step();
            } catch (RuntimeException | Error e) {
                LOG.error("Timer wheel step failed; trying again in {} ms", ERROR_PAUSE_MS, e);
                waitMs = ERROR_PAUSE_MS;
            }
            if (waitMs > 0 && running && !scheduler.hasCommands()) {
                // A wake-up between the check and the park is not lost: unpark before park makes park return.
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(waitMs));
            }
        }
    }

    /**
     * Stops re-publishing {@code topic}'s timers until {@link #resume}: they keep arriving and stay pending, and
     * those that come due wait in the store (the lanes are held as in a retry backoff). Durable across restarts.
     */
    public void pause(String topic) {
        store.pause(topic);
        scheduler.pause(topic, true);
        LOG.info("Paused re-publishing topic {}", topic);
    }

    /** Resumes a paused topic: its due timers are re-read from the store and re-published in due order. */
    public void resume(String topic) {
        store.resume(topic);
        scheduler.pause(topic, false);
        LOG.info("Resumed re-publishing topic {}", topic);
    }

    /** Counters and memory now; safe from any thread. */
    public ServiceStats stats() {
        return scheduler.stats();
    }

    /**
     * Stops, in reverse order of start: stops listening to the store, stops the wheel thread (no more loading or
     * firing), waits up to {@code closeTimeoutMs} for batches with the dispatcher (their outcomes are still
     * acknowledged or parked), then stops the dispatch threads and ends the deliveries still in flight. Timers
     * fired but not delivered simply stay pending in the store, its source of truth, and fire again after the next
     * start (a late answer of the dispatcher for them changes nothing). No thread is interrupted (an
     * interrupted file read would close the store's segment file). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.closeTimeoutMs());
        try {
            if (started) {
                store.listener(TimerListener.NONE);
                running = false;
                LockSupport.unpark(wheelThread);
                wheelThread.join(Math.max(1, remainingMs(deadline)));
            }
            if (!scheduler.delivery().awaitIdle(remainingMs(deadline))) {
                LOG.warn("Timer service closed with {} batches still with the dispatcher; their timers stay pending",
                        scheduler.delivery().inFlight());
            }
            // Never shutdownNow: an interrupt inside a FileChannel read closes the store's segment for everyone.
            executor.shutdown();
            executor.awaitTermination(remainingMs(deadline), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            scheduler.delivery().close();
        }
        LOG.info("Timer service closed: {}", stats());
    }

    private static long remainingMs(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }
}
