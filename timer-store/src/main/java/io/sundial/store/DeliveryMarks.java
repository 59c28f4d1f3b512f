package io.sundial.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The timers in flight, each with the session delivering it (decision 0010), and the lock that orders adding a
 * mark against a change that checks for one.
 *
 * <p><b>Why its own lock.</b> A cancel, reschedule or compaction move checks that its timer is not marked and then
 * writes the index; a delivery marks and then reads the index. Were a mark added between that check and that
 * write, the delivery would read the timer as pending and re-publish a timer whose cancel succeeded. So a change
 * holds this lock ({@link #lock}) from its check through its index write, and {@link #mark} takes it too. Marking
 * used to take the index lock instead, and then waited behind every acknowledgement's and every append group's
 * RocksDB write, neither of which checks marks: 5–14 ms stalls of the dispatch threads in a burst (JFR,
 * decision 0024). Removing a mark needs no lock: a change that still sees it answers "too late", as it would have
 * a moment earlier.
 *
 * <p>Lock order: the store's index lock before this one. Thread-safe.
 */
final class DeliveryMarks {
    private final Map<TimerId, DeliverySession> owners = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();

    /**
     * Marks each of {@code ids} for {@code owner} unless already marked; {@code null} if the owner is closed (a
     * dispatch task that outlived its service must not hold marks nobody will end).
     *
     * @return which of {@code ids} this call marked
     */
    boolean[] mark(DeliverySession owner, List<TimerId> ids) {
        boolean[] marked = new boolean[ids.size()];
        lock.lock();
        try {
            if (owner.closed) {
                return null;
            }
            for (int i = 0; i < ids.size(); i++) {
                marked[i] = owners.putIfAbsent(ids.get(i), owner) == null;
            }
        } finally {
            lock.unlock();
        }
        return marked;
    }

    /** Removes {@code owner}'s marks on those of {@code ids} where {@code which} is true. */
    void unmark(DeliverySession owner, List<TimerId> ids, boolean[] which) {
        for (int i = 0; i < ids.size(); i++) {
            if (which[i]) {
                owners.remove(ids.get(i), owner);
            }
        }
    }

    /** Removes {@code owner}'s marks on {@code ids}. */
    void unmark(DeliverySession owner, Collection<TimerId> ids) {
        ids.forEach(id -> owners.remove(id, owner));
    }

    /** Closes {@code owner} and drops all its marks; returns how many it held. */
    int abandon(DeliverySession owner) {
        lock.lock();
        try {
            owner.closed = true;
            int before = owners.size();
            owners.values().removeIf(o -> o == owner);
            return before - owners.size();
        } finally {
            lock.unlock();
        }
    }

    boolean isMarked(TimerId id) {
        return owners.containsKey(id);
    }

    /** Whether {@code owner} holds the mark on {@code id}. */
    boolean isMarkedBy(TimerId id, DeliverySession owner) {
        return owners.get(id) == owner;
    }

    /** Held by a change from its check for marks through its index write, so that no mark is added between. */
    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }
}
