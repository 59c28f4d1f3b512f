package io.sundial.store.service;

import io.sundial.store.TimerId;
import io.sundial.store.TimerStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Merges the acknowledgements of batches settled at the same time on different dispatch threads into one
 * {@link TimerStore#ack} (flat combining): a thread queues its timers; whoever holds the combiner lock
 * acknowledges everything queued in one call and then runs each batch's continuation. Each index write then
 * carries thousands of timers instead of one lane's batch. Without contention (and in tests with a synchronous
 * executor) a batch is acknowledged at once on its own thread. Thread-safe.
 */
final class AckCombiner {
    private static final Logger LOG = LoggerFactory.getLogger(AckCombiner.class);

    private final TimerStore store;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock combining = new ReentrantLock();

    AckCombiner(TimerStore store) {
        this.store = store;
    }

    /** Acknowledges {@code ids}, then runs {@code then} (on this thread or on the one that combined them). */
    void ack(List<TimerId> ids, Runnable then) {
        queue.add(new Pending(ids, then));
        // Re-check after unlocking: an entry queued while we combined must not wait for the next caller.
        while (!queue.isEmpty() && combining.tryLock()) {
            List<Pending> taken = new ArrayList<>();
            try {
                Pending p;
                List<TimerId> all = new ArrayList<>();
                while ((p = queue.poll()) != null) {
                    taken.add(p);
                    all.addAll(p.ids);
                }
                if (!all.isEmpty()) {
                    store.ack(all);
                }
            } catch (RuntimeException x) {
                // Delivered but still pending: delivered again after a restart (at least once).
                LOG.error("Acknowledging delivered timers failed", x);
            } finally {
                combining.unlock();
            }
            taken.forEach(t -> t.then.run());
        }
    }

    private record Pending(List<TimerId> ids, Runnable then) {
    }
}
