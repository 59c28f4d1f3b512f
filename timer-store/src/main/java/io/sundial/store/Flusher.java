package io.sundial.store;

import io.sundial.store.log.TimerLog;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fsyncs the timer log and then completes the appends that waited for it (SYNC_FLUSH). Every group handed
 * over while an fsync runs is covered by the next one, so however many threads append, there is at most one
 * fsync in flight and one queued: that is the group commit. Also counts fsyncs and their total time.
 */
final class Flusher {
    /** What a failed fsync means to the writes waiting for it; a constant, not built at every fsync. */
    private static final String WAITING_WRITES_REFUSED = "the writes waiting for it were refused (SYSTEM_ERROR to"
            + " the senders, nothing of them acknowledged); SYNC_FLUSH writes fail so while it lasts";

    private final TimerLog log;
    private final FailureEpisode failures;
    private final LinkedBlockingQueue<List<Runnable>> waiting = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final AtomicLong fsyncs = new AtomicLong();
    private final AtomicLong fsyncNanos = new AtomicLong();
    private volatile boolean running = true;

    Flusher(TimerLog log, FailureEpisode failures) {
        this.log = log;
        this.failures = failures;
        this.thread = new Thread(this::run, "sundial-store-flusher");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Runs {@code completions} after an fsync that starts after this call. */
    void afterNextFsync(List<Runnable> completions) {
        waiting.add(completions);
    }

    /**
     * Fsyncs now (the ASYNC_FLUSH interval, and shutdown). A failure is noted (logged once per episode) and
     * thrown; {@code consequence} says what it means to the log's reader.
     */
    void forceNow(String consequence) throws IOException {
        long start = System.nanoTime();
        try {
            log.force();
        } catch (IOException e) {
            failures.failed(e, consequence);
            throw e;
        }
        failures.worked();
        fsyncs.incrementAndGet();
        fsyncNanos.addAndGet(System.nanoTime() - start);
    }

    long fsyncCount() {
        return fsyncs.get();
    }

    long fsyncNanosTotal() {
        return fsyncNanos.get();
    }

    private void run() {
        List<List<Runnable>> batch = new ArrayList<>();
        while (running || !waiting.isEmpty()) {
            try {
                List<Runnable> first = waiting.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                waiting.drainTo(batch);
                try {
                    forceNow(WAITING_WRITES_REFUSED);
                } catch (IOException e) {
                    StoreException failure = new StoreException("timer log fsync failed: " + e.getMessage(), e);
                    for (List<Runnable> group : batch) {
                        group.forEach(r -> failQuietly(r, failure));
                    }
                    continue;
                }
                for (List<Runnable> group : batch) {
                    group.forEach(Runnable::run);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private static void failQuietly(Runnable completion, StoreException failure) {
        if (completion instanceof FailableCompletion f) {
            f.fail(failure);
        }
    }

    /** Stops after completing every group already handed over. Call after the committer has stopped. */
    void stop() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }

    /** A completion that can also be failed, when the fsync it waited for fails. */
    interface FailableCompletion extends Runnable {
        void fail(Throwable cause);
    }
}
