package io.sundial.store.service;

import io.sundial.store.DeliverySession;
import io.sundial.store.index.DueEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Merges the acknowledgements of batches settled at the same time on different dispatch threads into one
 * {@link DeliverySession#ack} (flat combining): a thread queues its timers; whoever holds the combiner lock
 * acknowledges everything queued in one call and then runs each batch's continuation. Each index write then
 * carries thousands of timers instead of one lane's batch. Without contention (and in tests with a synchronous
 * executor) a batch is acknowledged at once on its own thread. Thread-safe.
 */
final class AckCombiner {
    private static final Logger LOG = LoggerFactory.getLogger(AckCombiner.class);

    private final DeliverySession session;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock combining = new ReentrantLock();

    AckCombiner(DeliverySession session) {
        this.session = session;
    }

    /** Acknowledges {@code delivered}, then runs {@code then} (on this thread or on the one that combined them). */
    void ack(List<DueEntry> delivered, Runnable then) {
        queue.add(new Pending(delivered, then));
        // Re-check after unlocking: an entry queued while we combined must not wait for the next caller.
        while (!queue.isEmpty() && combining.tryLock()) {
            List<Pending> taken = new ArrayList<>();
            try {
                Pending p;
                List<DueEntry> all = new ArrayList<>();
                while ((p = queue.poll()) != null) {
                    taken.add(p);
                    all.addAll(p.delivered);
                }
                if (!all.isEmpty()) {
                    session.ack(all);
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

    private record Pending(List<DueEntry> delivered, Runnable then) {
    }
}
