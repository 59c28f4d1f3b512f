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
 * fsync in flight and one queued: that is the group commit. A group written before an fsync that failed is
 * refused even when a later fsync works, since the kernel may have dropped its pages (decision 0044). Also counts
 * fsyncs and their total time.
 */
final class Flusher {
    /** What a failed fsync means to the writes waiting for it; a constant, not built at every fsync. */
    private static final String WAITING_WRITES_REFUSED = "the writes waiting for it were refused (SYSTEM_ERROR to"
            + " the senders, nothing of them acknowledged); SYNC_FLUSH writes fail so while it lasts";

    private final TimerLog log;
    private final FailureEpisode failures;
    private final LinkedBlockingQueue<Group> waiting = new LinkedBlockingQueue<>();
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

    /**
     * Runs {@code completions} after an fsync that starts after this call; {@code writtenUpTo} is the log's write
     * position after their group was written.
     */
    void afterNextFsync(List<Runnable> completions, long writtenUpTo) {
        waiting.add(new Group(completions, writtenUpTo));
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
        List<Group> batch = new ArrayList<>();
        while (running || !waiting.isEmpty()) {
            try {
                Group first = waiting.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                waiting.drainTo(batch);
                try {
                    forceNow(WAITING_WRITES_REFUSED);
                } catch (IOException e) {
                    StoreException failure = new StoreException("timer log fsync failed: " + e.getMessage(), e);
                    for (Group group : batch) {
                        group.fail(failure);
                    }
                    continue;
                }
                for (Group group : batch) {
                    // Written before an fsync that failed: the kernel may have dropped its pages, and this fsync
                    // does not write them again. Or written after it into the same segment, before the seal: a
                    // restart would cut it with the last segment at the hole (decision 0044).
                    if (group.writtenUpTo() > 0 && log.fsyncFailedAt(group.writtenUpTo() - 1)) {
                        group.fail(new StoreException("timer log fsync failed: the write was made before an"
                                + " fsync that failed, or after it in the same segment, so it may not be on the"
                                + " disk", null));
                    } else {
                        group.completions().forEach(Runnable::run);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /** A write group's completions and where the log ended after it. */
    private record Group(List<Runnable> completions, long writtenUpTo) {
        void fail(StoreException failure) {
            for (Runnable r : completions) {
                if (r instanceof FailableCompletion f) {
                    f.fail(failure);
                }
            }
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
