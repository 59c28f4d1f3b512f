package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.IndexBatch;
import io.sundial.store.index.TimerIndex;
import io.sundial.store.log.SegmentInfo;
import io.sundial.store.log.TimerLog;
import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.LogRecord;
import io.sundial.store.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Gives disk space back. A sealed segment is deleted when no pending or parked timer lives in it, no cancel or
 * reschedule in it changes a timer whose record is in another segment still on disk (decision 0048: a rebuilt
 * index needs it), it lies wholly below the applied position, and the index changes that emptied it have been
 * synced to RocksDB's WAL: a deletion never rests on index state a crash could undo. Because one far-future timer
 * would otherwise pin a whole segment, a sealed segment whose live bytes fall below the configured share is
 * compacted: its live records are re-appended as MOVE records and the change records still needed are copied
 * (through the single writer, fsynced before the index points at them), and the segment is then deleted. Also
 * forgets unique-key tombstones whose retention has ended, and the ledger's delivered timers whose segments are gone.
 *
 * <p><b>Why compaction waits.</b> A segment is compacted only once it has been sparse for the compaction delay.
 * Most sparse segments hold timers due soon, which drain on their own: a segment of 100,000 timers due at one
 * instant turns sparse while they are being delivered, and compacting it then scans 128 MiB and copies timers
 * forward that are delivered a second later, taking CPU from their delivery (seen in the bench: 0.8 s of CPU in a
 * 6 s burst, for 0 records moved). A segment pinned by far timers is still sparse after the delay and compacted.
 *
 * <p><b>Why expiry rests.</b> Tombstones expire {@code dedupRetentionMs} after their timers ended, so a burst of
 * deliveries comes back as a burst of expiries ten minutes later, whatever the store is doing then. Run flat out,
 * expiring the 225,000 keys of a benchmark's warm-up took a whole core for about a second, inside the bursts
 * measured then (0.7-1.2 CPU-s within 10,000-timer deliveries of half a second). Nothing waits for a tombstone to
 * go, so after each chunk the pass rests {@value #EXPIRY_REST_FACTOR} times as long as the chunk worked: it takes
 * at most a quarter of a core, and still forgets some 25,000 a second on this project's 2-core machine.
 *
 * <p><b>Why expiry waits for a quiet store.</b> Even a quarter of a core is taken from a burst when it falls
 * inside one: the bench's 10,000-timer deliveries of half a second still counted 0.2-0.3 CPU-s of expiry in their
 * windows, more than the wheel, dispatch and acknowledgements together. While appends or deliveries have happened
 * within the last {@value #EXPIRY_QUIET_MS} ms, a pass therefore forgets only tombstones that expired more than
 * {@value #EXPIRY_MAX_LAG_MS} ms ago and leaves the rest to a later pass. A key is then remembered up to a minute
 * (plus one interval) longer than {@code dedupRetentionMs}, which only widens the duplicate window; under
 * traffic that never pauses, expiry runs a minute behind at its usual pace instead of stopping.
 *
 * <p>One pass at a time (synchronized); runs on the store's reclaim thread or when asked.
 */
final class SpaceReclaimer {
    private static final Logger LOG = LoggerFactory.getLogger(SpaceReclaimer.class);
    private static final int MOVES_PER_WRITE = 256;
    /** Cancels and reschedules are small: a write copies this many of a kept segment's. */
    private static final int CHANGES_PER_WRITE = 4096;
    private static final int TOMBSTONES_PER_PASS = 100_000;
    /** Tombstones expired under one hold of the index lock: about 10 ms of RocksDB reads. */
    private static final int TOMBSTONES_PER_LOCK = 1_024;
    /** Rest after each chunk of expiries, as a multiple of the chunk's work (see the class comment). */
    static final int EXPIRY_REST_FACTOR = 3;
    /** How long after the last append or delivery the store counts as quiet (see the class comment). */
    static final long EXPIRY_QUIET_MS = 500;
    /** While the store is busy, only tombstones that expired more than this long ago are forgotten. */
    static final long EXPIRY_MAX_LAG_MS = 60_000;

    private final TimerLog log;
    private final TimerIndex index;
    private final ReentrantLock indexLock;
    private final Committer committer;
    private final Clock clock;
    private final double compactionThreshold;
    private final long compactionDelayMs;
    private final ForegroundActivity foreground;
    private final SequenceFloor floor;
    private final DeliveredLedger ledger;
    /** Sealed segments seen sparse, by base: since when (monotonic ms). Only touched inside {@link #reclaim}. */
    private final Map<Long, Long> sparseSince = new HashMap<>();
    /** At most this many expiries a pass, so that a pass also deletes segments soon (tests lower it). */
    private volatile int tombstonesPerPass = TOMBSTONES_PER_PASS;
    /** Set at close: a pass in progress stops expiring at its next chunk. */
    private volatile boolean stopping;

    SpaceReclaimer(TimerLog log, TimerIndex index, ReentrantLock indexLock, Committer committer, Clock clock,
                   double compactionThreshold, long compactionDelayMs, ForegroundActivity foreground,
                   SequenceFloor floor, DeliveredLedger ledger) {
        this.log = log;
        this.index = index;
        this.indexLock = indexLock;
        this.committer = committer;
        this.clock = clock;
        this.compactionThreshold = compactionThreshold;
        this.compactionDelayMs = compactionDelayMs;
        this.foreground = foreground;
        this.floor = floor;
        this.ledger = ledger;
    }

    /** Ends the expiry of a pass in progress at its next chunk, so that closing the store does not wait for it. */
    void stop() {
        stopping = true;
    }

    void tombstonesPerPass(int limit) {
        this.tombstonesPerPass = limit;
    }

    synchronized ReclaimReport reclaim() throws IOException {
        Expiry expiry = expireTombstones();
        int expired = expiry.count;
        int deleted = deleteEmptySegments();
        int compacted = 0;
        long moved = 0;
        long copied = 0;
        if (compactionThreshold > 0) {
            long applied = index.appliedPosition();
            long now = TimeUnit.NANOSECONDS.toMillis(clock.monoNanos()); // a wall-clock step must not shorten the wait
            Set<Long> sealed = new HashSet<>();
            for (SegmentInfo s : log.segments()) {
                if (s.active() || s.end() > applied) {
                    continue;
                }
                sealed.add(s.base());
                long live = index.segmentLive(s.base());
                long liveBytes = index.segmentLiveBytes(s.base());
                boolean kept = index.segmentKeeps(s.base()) > 0;
                if ((live > 0 || kept) && liveBytes < compactionThreshold * s.capacity()
                        && now - sparseSince.computeIfAbsent(s.base(), b -> now) >= compactionDelayMs) {
                    Compacted c = compact(s);
                    moved += c.moved();
                    copied += c.copied();
                    compacted++;
                }
            }
            if (compacted > 0) {
                deleted += deleteEmptySegments();
            }
            sparseSince.keySet().retainAll(sealed); // forget deleted segments
        }
        long forgottenDeliveries = ledger.reclaim();
        if (deleted > 0 || compacted > 0) {
            LOG.info("Space reclaim: deleted {} segments, compacted {} (moved {} live records, copied {} cancels and"
                    + " reschedules), expired {} tombstones, forgot {} delivered timers of the ledger", deleted,
                    compacted, moved, copied, expired, forgottenDeliveries);
        }
        return new ReclaimReport(deleted, compacted, moved, copied, expired, forgottenDeliveries, expiry.more,
                expiry.deferred, expiry.workNanos, expiry.restNanos);
    }

    /** One pass's expiries, and the time it spent on them and resting between them. */
    private static final class Expiry {
        int count;
        /** The pass stopped at its limit with expired tombstones left. */
        boolean more;
        /** The pass ended while the store was busy, leaving tombstones of the last minute for a later pass. */
        boolean deferred;
        long workNanos;
        long restNanos;
    }

    /**
     * Expires tombstones in chunks of {@link #TOMBSTONES_PER_LOCK}, taking the index lock for each chunk only:
     * one pass of 100,000 under one lock held appends, acknowledgements and cancels for seconds (seen in the bench:
     * sends timed out after 10 s and deliveries came 12 s late while the herds of 10 minutes earlier expired).
     */
    private Expiry expireTombstones() {
        long now = clock.wallMillis();
        byte[] from = null;
        Expiry expiry = new Expiry();
        int limit = tombstonesPerPass;
        while (expiry.count < limit && !stopping) {
            if (expiry.count > 0) {
                rest(expiry);
            }
            boolean busy = foreground.within(TimeUnit.MILLISECONDS.toNanos(EXPIRY_QUIET_MS));
            long before = busy ? now - EXPIRY_MAX_LAG_MS : now;
            TimerIndex.Expired chunk;
            long began = System.nanoTime(); // work done, not the store's clock: the rest is real time too
            indexLock.lock();
            try (IndexBatch b = index.newBatch()) {
                chunk = index.expireTombstones(b, before, from, TOMBSTONES_PER_LOCK);
                if (chunk.count() > 0) {
                    index.write(b, false);
                }
            } finally {
                indexLock.unlock();
            }
            expiry.workNanos += System.nanoTime() - began;
            expiry.count += chunk.count();
            expiry.more = chunk.count() == TOMBSTONES_PER_LOCK;
            if (!expiry.more) {
                expiry.deferred = busy;
                break;
            }
            from = chunk.nextFrom();
        }
        return expiry;
    }

    /** Rests {@link #EXPIRY_REST_FACTOR} times the work of the chunks so far, less the rests already taken. */
    private static void rest(Expiry expiry) {
        long due = EXPIRY_REST_FACTOR * expiry.workNanos - expiry.restNanos;
        if (due <= 0) {
            return;
        }
        long began = System.nanoTime();
        try {
            TimeUnit.NANOSECONDS.sleep(due);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        expiry.restNanos += System.nanoTime() - began;
    }

    /**
     * Deletes every sealed segment that nothing needs: no pending timer lives in it and no change record in it is
     * needed for a record of another segment (decision 0048). A deletion can free others, so it goes on until none
     * is left.
     */
    private int deleteEmptySegments() throws IOException {
        int deleted = 0;
        releaseKeptForDeleted(); // also what a crash between a deletion and its release left
        while (true) {
            long applied = index.appliedPosition();
            List<SegmentInfo> empty = new ArrayList<>();
            for (SegmentInfo s : log.segments()) {
                if (!s.active() && s.end() <= applied && index.segmentLive(s.base()) == 0
                        && index.segmentKeeps(s.base()) == 0) {
                    empty.add(s);
                }
            }
            if (empty.isEmpty()) {
                return deleted;
            }
            index.syncWal(); // the deletes that emptied them must survive a crash before the records go
            floor.raiseTo(index.nextSeq()); // a rebuild no longer sees their sequences
            for (SegmentInfo s : empty) {
                log.deleteSegment(s.base());
                indexLock.lock();
                try (IndexBatch b = index.newBatch()) {
                    index.dropSegmentCounters(b, s.base());
                    index.write(b, false);
                } finally {
                    indexLock.unlock();
                }
            }
            deleted += empty.size();
            releaseKeptForDeleted();
        }
    }

    /**
     * Lets go of the segments kept for a timer record in a segment that is gone. Only once it is gone from the disk:
     * a crash before must find the cancels and reschedules of the records it still holds.
     */
    private void releaseKeptForDeleted() {
        indexLock.lock(); // no append meanwhile: a segment started after the listing would look deleted
        try (IndexBatch b = index.newBatch()) {
            Set<Long> existing = new HashSet<>();
            log.segments().forEach(s -> existing.add(s.base()));
            if (index.releaseKeptFor(b, existing) > 0) {
                index.write(b, false);
            }
        } finally {
            indexLock.unlock();
        }
    }

    /** What compacting one segment did: live timers moved, cancels and reschedules copied forward. */
    private record Compacted(long moved, long copied) {
    }

    private Compacted compact(SegmentInfo segment) throws IOException {
        boolean kept = index.segmentKeeps(segment.base()) > 0;
        boolean scannedWhole = true;
        List<PendingWrite.Move.Candidate> candidates = new ArrayList<>();
        List<LogRecord> changes = new ArrayList<>();
        long[] moved = {0};
        long[] copied = {0};
        try {
            log.scan(segment.base(), scanned -> {
                if (scanned.position() >= segment.end()) {
                    return false;
                }
                LogRecord r = scanned.record();
                if (r.type().carriesMessage()) {
                    DueEntry live = index.liveEntry(r.topic(), r.uniqKey(), r.seq());
                    if (live != null && live.position() == scanned.position()) { // not an older copy
                        candidates.add(new PendingWrite.Move.Candidate(live, r));
                        if (candidates.size() == MOVES_PER_WRITE) {
                            moved[0] += move(candidates);
                            candidates.clear();
                        }
                    }
                } else if (kept) {
                    changes.add(r);
                    if (changes.size() == CHANGES_PER_WRITE) {
                        copied[0] += copyChanges(segment.base(), changes, false);
                        changes.clear();
                    }
                }
                return true;
            });
        } catch (CorruptRecordException e) {
            // Not ours to repair here: the record stays, and so does its segment.
            LOG.error("Compaction of segment at {} stopped at a corrupt record", segment.base(), e);
            scannedWhole = false;
        }
        if (!candidates.isEmpty()) {
            moved[0] += move(candidates);
        }
        if (kept && scannedWhole) {
            copied[0] += copyChanges(segment.base(), changes, true);
        }
        return new Compacted(moved[0], copied[0]);
    }

    private int move(List<PendingWrite.Move.Candidate> candidates) throws IOException {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        return await(new PendingWrite.Move(List.copyOf(candidates), done), done);
    }

    private int copyChanges(long from, List<LogRecord> changes, boolean last) throws IOException {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        return await(new PendingWrite.CopyChanges(from, List.copyOf(changes), last, done), done);
    }

    /** Queues {@code write} for the single writer and waits for it. */
    private <T> T await(PendingWrite write, CompletableFuture<T> done) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!committer.offer(write)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("compaction could not queue its writes: the store is busy");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("compaction interrupted", e);
            }
        }
        try {
            return done.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("compaction interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("compaction writes failed: " + e.getMessage(), e);
        }
    }
}
