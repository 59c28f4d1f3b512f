package io.sundial.store;

import io.sundial.store.config.DaemonThreads;
import io.sundial.store.index.DueEntry;
import io.sundial.store.index.IndexException;
import io.sundial.store.index.IndexBatch;
import io.sundial.store.index.ParkedTimer;
import io.sundial.store.index.RocksKeyValueStore;
import io.sundial.store.index.StoredTimer;
import io.sundial.store.index.TimerIndex;
import io.sundial.store.index.TimerState;
import io.sundial.store.index.TopicPage;
import io.sundial.store.index.UniqEntry;
import io.sundial.store.log.FlushMode;
import io.sundial.store.log.SegmentChannels;
import io.sundial.store.log.TimerLog;
import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The durable timer store: messages with due times in an append-only {@link TimerLog}, found again through
 * RocksDB indexes ({@link TimerIndex}).
 *
 * <p><b>Write path.</b> {@link #append} prepares the record on the caller's thread and queues it for the
 * {@link Committer}, the log's single writer, which group-commits: one log write and one index batch (with the
 * applied log position) per group, and under SYNC_FLUSH one fsync per group before any append completes.
 * Cancel and reschedule go the same way, as log records. An acknowledgement (a delivered timer) writes the index,
 * then the {@link DeliveredLedger} (which an index rebuilt from the log reads); one that waits out a burst is first
 * recorded in the {@link DeliveredJournal}, which the next open replays after a crash.
 *
 * <p><b>Guarantees.</b> A completed append is pending until acknowledged or cancelled, across crashes
 * (SYNC_FLUSH: also across power loss; ASYNC_FLUSH: power loss may lose what the last flush interval appended).
 * A retry — same topic, unique key and fingerprint as a pending or recently ended timer — stores nothing and
 * returns the first result. See {@link Recovery} for the crash argument and {@link SpaceReclaimer} for when
 * disk space is given back.
 *
 * <p>Thread-safe. Lifecycle: {@link #open} starts it; {@link #close} stops in reverse order.
 */
public final class TimerStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TimerStore.class);

    private final StoreConfig config;
    private final Clock clock;
    private final StoreLock lock;
    private final TimerLog log;
    private final TimerIndex index;
    private final RocksKeyValueStore kv;
    private final ReentrantLock indexLock = new ReentrantLock();
    /** Timers in flight, by the session delivering them. */
    private final DeliveryMarks delivering = new DeliveryMarks();
    private final Flusher flusher;
    private final Committer committer;
    private final SpaceReclaimer reclaimer;
    /** Appends and deliveries: reclaim holds back its expiries while they are under way. */
    private final ForegroundActivity foreground;
    /** The ASYNC_FLUSH interval's fsync. */
    private final ScheduledExecutorService maintenance;
    /** Its own thread: a pass rests between its expiries (see SpaceReclaimer), which must not delay an fsync. */
    private final ScheduledExecutorService reclaiming;
    private final CorruptRecords corruptRecords = new CorruptRecords();
    private final DiskSpace diskSpace;
    private final Scrubber scrubber;
    private final StoreBackup backup;
    /** Its own thread: a pass reads for minutes and must not hold up the maintenance thread's flushes. */
    private final ScheduledExecutorService scrubbing;
    private final RecoveryReport recovery;
    /** Delivered timers whose acknowledgement waits (decision 0032); guarded by itself. */
    private final DeliveredJournal journal;
    /** Delivered timers, for a rebuild of the index (decision 0050). */
    private final DeliveredLedger ledger;
    /** The paused topics again, for an index rebuilt from the log (decision 0049); written under the index lock. */
    private final PausedTopicsFile pausedTopicsFile;
    /** Failures of log writes, fsyncs, acknowledgements, the journal, the ledger, space reclaim: each logged once. */
    private final FailureEpisode logWrites;
    private final FailureEpisode logFsyncs;
    private final FailureEpisode acks;
    private final FailureEpisode journalWrites;
    private final FailureEpisode ledgerWrites;
    private final FailureEpisode reclaims;
    private volatile boolean closed;

    private TimerStore(StoreConfig config, Clock clock, StoreLock lock, TimerLog log, RocksKeyValueStore kv,
                       TimerIndex index, Recovery recovery, RecoveryReport report, DeliveredJournal journal,
                       DeliveredLedger ledger, SequenceFloor floor, PausedTopicsFile pausedTopicsFile,
                       LongSupplier usableBytes) {
        this.config = config;
        this.lock = lock;
        this.journal = journal;
        this.ledger = ledger;
        this.pausedTopicsFile = pausedTopicsFile;
        this.diskSpace = new DiskSpace(usableBytes, config.minFreeDiskBytes(), clock, config.storePath().toString());
        this.clock = clock;
        this.foreground = new ForegroundActivity(clock);
        this.log = log;
        this.kv = kv;
        this.index = index;
        this.recovery = report;
        this.logWrites = new FailureEpisode(LOG, "Writing the timer log and index", clock);
        this.logFsyncs = new FailureEpisode(LOG, "Fsyncing the timer log", clock);
        this.acks = new FailureEpisode(LOG, "Acknowledging delivered timers in the index", clock);
        this.journalWrites = new FailureEpisode(LOG, "Writing the journal of delivered timers", clock);
        this.ledgerWrites = new FailureEpisode(LOG, "Writing the ledger of delivered timers", clock);
        this.reclaims = new FailureEpisode(LOG, "Reclaiming the timer store's disk space", clock);
        this.flusher = new Flusher(log, logFsyncs);
        this.committer = new Committer(log, index, indexLock, delivering, clock, config.flushMode(), flusher,
                logWrites, recovery.nextSeq(), config.appendQueueCapacity());
        this.reclaimer = new SpaceReclaimer(log, index, indexLock, committer, clock, config.compactionThreshold(),
                config.compactionDelayMs(), foreground, floor, ledger);
        this.maintenance = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sundial-store-maintenance"));
        this.reclaiming = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sundial-store-reclaimer"));
        this.scrubber = new Scrubber(log, corruptRecords, config.scrubBytesPerSecond(), clock);
        this.scrubbing = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sundial-store-scrubber"));
        this.backup = new StoreBackup(config, log, kv, index, indexLock, journal, List.of(floor::copyTo,
                pausedTopicsFile::copyTo), ledger::copyTo, clock);
    }

    /**
     * Opens the store under {@code config.storePath()}, recovering from any crash, and starts its threads.
     *
     * @throws StoreException if another process (or store) has it open
     */
    public static TimerStore open(StoreConfig config, Clock clock) throws IOException {
        return open(config, clock, SegmentChannels.FILES);
    }

    /** As {@link #open(StoreConfig, Clock)}, opening the log's files with {@code channels} (tests: a failing disk). */
    public static TimerStore open(StoreConfig config, Clock clock, SegmentChannels channels) throws IOException {
        Files.createDirectories(config.storePath());
        return open(config, clock, DiskSpace.of(config.storePath()), channels);
    }

    /** As {@link #open(StoreConfig, Clock)}, reading the disk's free space from {@code usableBytes} (tests). */
    public static TimerStore open(StoreConfig config, Clock clock, LongSupplier usableBytes) throws IOException {
        return open(config, clock, usableBytes, SegmentChannels.FILES);
    }

    /** As {@link #open(StoreConfig, Clock, LongSupplier)}, opening the log's files with {@code channels} (tests). */
    public static TimerStore open(StoreConfig config, Clock clock, LongSupplier usableBytes, SegmentChannels channels)
            throws IOException {
        Files.createDirectories(config.storePath());
        StoreLock lock = StoreLock.take(config.storePath());
        try {
            return open(config, clock, usableBytes, channels, lock);
        } catch (IOException | RuntimeException e) {
            try {
                lock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static TimerStore open(StoreConfig config, Clock clock, LongSupplier usableBytes, SegmentChannels channels,
                                   StoreLock lock) throws IOException {
        StoreBackup.deleteLeftovers(config.storePath());
        // The index (RocksDB: its native library, then its files) opens while the log's last segment is scanned: each
        // takes a few hundred milliseconds of a restart, in which producers cannot send.
        CompletableFuture<RocksKeyValueStore> indexOpening = CompletableFuture.supplyAsync(() -> openIndex(config),
                task -> DaemonThreads.named("sundial-store-open-index").newThread(task).start());
        TimerLog log;
        try {
            log = TimerLog.open(config.timerLogPath(), config.segmentSize(), channels);
        } catch (IOException | RuntimeException e) {
            closeWhenOpened(indexOpening, e);
            throw e;
        }
        RocksKeyValueStore kv = null;
        DeliveredJournal journal = null;
        DeliveredLedger ledger = null;
        try {
            kv = opened(indexOpening);
            TimerIndex index = new TimerIndex(kv, config.dedupRetentionMs());
            SequenceFloor floor = new SequenceFloor(config.storePath());
            PausedTopicsFile paused = new PausedTopicsFile(config.storePath());
            Map<String, Long> pausedBefore = paused.read();
            Recovery recovery = new Recovery(log, index, floor.read(), pausedBefore);
            journal = DeliveredJournal.open(config.storePath());
            ledger = DeliveredLedger.open(config.storePath(), log::segmentBaseOf);
            RecoveryReport report = recovery.run(journal, ledger, clock.wallMillis());
            TimerStore store = new TimerStore(config, clock, lock, log, kv, index, recovery, report, journal, ledger,
                    floor, paused, usableBytes);
            if (!index.pausedTopics().equals(pausedBefore)) {
                store.writePausedTopics(); // the index is the authority: a pause whose file write failed, say
            }
            store.start();
            return store;
        } catch (IOException | RuntimeException e) {
            if (ledger != null) {
                ledger.close();
            }
            if (journal != null) {
                journal.close();
            }
            if (kv != null) {
                kv.close();
            }
            log.close();
            throw e;
        }
    }

    /** The index {@code opening} opened, or what it failed with. */
    private static RocksKeyValueStore opened(CompletableFuture<RocksKeyValueStore> opening) {
        try {
            return opening.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** Closes the index {@code opening} opens, once it has, as the log's opening failed with {@code e}. */
    private static void closeWhenOpened(CompletableFuture<RocksKeyValueStore> opening, Exception e) {
        try {
            opening.join().close();
        } catch (CompletionException failed) {
            e.addSuppressed(failed.getCause());
        } catch (RuntimeException failed) {
            e.addSuppressed(failed);
        }
    }

    private static RocksKeyValueStore openIndex(StoreConfig config) {
        try {
            return new RocksKeyValueStore(config.indexPath(), config.indexMemoryBudget(), config.indexMaxDiskBytes());
        } catch (IndexException e) {
            Path dir = config.indexPath();
            throw new StoreException("the timer index under " + dir + " cannot be opened (" + e.getMessage() + ")."
                    + " The timer log is the source of truth: stop, move " + dir + " aside and start again to rebuild"
                    + " the index from the log (docs/operations.md, \"A lost or damaged index\")", e);
        }
    }

    private void start() {
        flusher.start();
        committer.start();
        if (config.flushMode() == FlushMode.ASYNC_FLUSH) {
            maintenance.scheduleWithFixedDelay(this::periodicFlush, config.flushIntervalMs(),
                    config.flushIntervalMs(), TimeUnit.MILLISECONDS);
        }
        if (config.reclaimIntervalMs() > 0) {
            reclaiming.scheduleWithFixedDelay(this::periodicReclaim, config.reclaimIntervalMs(),
                    config.reclaimIntervalMs(), TimeUnit.MILLISECONDS);
        }
        if (config.scrubIntervalMs() > 0) {
            // The first pass within a minute: a store restarted more often than the interval is still scrubbed.
            scrubbing.scheduleWithFixedDelay(this::periodicScrub, Math.min(config.scrubIntervalMs(), 60_000),
                    config.scrubIntervalMs(), TimeUnit.MILLISECONDS);
        }
        LOG.info("Timer store open at {} ({}): {} pending, log {} to {}", config.storePath(), config.flushMode(),
                index.pendingTotal(), log.startPosition(), log.writePosition());
    }

    private void periodicFlush() {
        try {
            flusher.forceNow("ASYNC_FLUSH writes since the last fsync are not yet durable (a power loss would lose"
                    + " them); retried every flushIntervalMs");
        } catch (IOException e) {
            // noted by the flusher, once per episode
        }
    }

    private void periodicScrub() {
        try {
            scrubber.pass();
        } catch (RuntimeException e) {
            LOG.error("Timer log scrub failed", e);
        }
    }

    private void periodicReclaim() {
        try {
            reclaimUntilCaughtUp();
            reclaims.worked();
        } catch (IOException | RuntimeException e) {
            reclaims.failed(e, "the disk space of delivered and cancelled timers is not given back; retried every"
                    + " reclaimIntervalMs");
        }
    }

    /**
     * Reclaim passes one after another while the last stopped at its limit of expiries with more expired: at a
     * sustained delivery rate above one pass per interval, tombstones would otherwise pile up in the index. Each
     * pass also deletes and compacts segments, so a long catch-up never holds disk space back. Returns the passes.
     */
    int reclaimUntilCaughtUp() throws IOException {
        int passes = 0;
        ReclaimReport report;
        do {
            report = reclaimer.reclaim();
            passes++;
        } while (report.moreTombstonesDue() && !closed);
        return passes;
    }

    /** Lowers the expiries of one reclaim pass (tests of {@link #reclaimUntilCaughtUp}). */
    void tombstonesPerPass(int limit) {
        reclaimer.tombstonesPerPass(limit);
    }

    /** Sets who is told of new, cancelled and rescheduled timers (the timing wheel). */
    public void listener(TimerListener listener) {
        committer.listener(listener);
    }

    // ---- writes

    /**
     * Stores {@code message}, due at {@code dueMs}. Completes once stored (per flush mode), with the timer's
     * sequence, or with the first copy's result when this is a retry. Fails at once with
     * {@link StoreBusyException} when the store's queue is full.
     */
    public CompletableFuture<AppendResult> append(TimerMessage message, long dueMs) {
        return appendAll(List.of(new AppendRequest(message, dueMs))).thenApply(list -> list.get(0));
    }

    /**
     * Stores several timers as one group: written together, completed together. Fails at once with
     * {@link StoreFullException} while the disk is below its headroom ({@code minFreeDiskBytes}).
     */
    public CompletableFuture<List<AppendResult>> appendAll(List<AppendRequest> requests) {
        if (diskSpace.full()) {
            return CompletableFuture.failedFuture(new StoreFullException(diskSpace.refusal()));
        }
        foreground.touch();
        long now = clock.wallMillis();
        List<PreparedAppend> prepared = new ArrayList<>(requests.size());
        for (AppendRequest r : requests) {
            prepared.add(new PreparedAppend(r.message(), r.dueMs(), now));
        }
        CompletableFuture<List<AppendResult>> future = new CompletableFuture<>();
        submit(new PendingWrite.Append(prepared, future));
        return future;
    }

    /** Cancels every pending timer of {@code topic} with unique key {@code uniqKey}. */
    public CompletableFuture<ChangeResult> cancel(String topic, String uniqKey) {
        return cancel(topic, uniqKey, -1);
    }

    /**
     * Cancels the pending or parked timer with {@code seq} (or all with the key, if {@code seq} is negative).
     * A timer being delivered is not cancelled: the answer is {@link ChangeResult.Status#TOO_LATE}.
     */
    public CompletableFuture<ChangeResult> cancel(String topic, String uniqKey, long seq) {
        CompletableFuture<ChangeResult> future = new CompletableFuture<>();
        submit(new PendingWrite.Cancel(topic, uniqKey, seq, future));
        return future;
    }

    /** Moves every pending timer of {@code topic} with unique key {@code uniqKey} to {@code newDueMs}. */
    public CompletableFuture<ChangeResult> reschedule(String topic, String uniqKey, long newDueMs) {
        return reschedule(topic, uniqKey, -1, newDueMs);
    }

    /** Moves the pending timer with {@code seq} (or all with the key, if {@code seq} is negative). */
    public CompletableFuture<ChangeResult> reschedule(String topic, String uniqKey, long seq, long newDueMs) {
        if (newDueMs < 0) {
            throw new IllegalArgumentException("due time " + newDueMs + " is before the epoch");
        }
        CompletableFuture<ChangeResult> future = new CompletableFuture<>();
        submit(new PendingWrite.Reschedule(topic, uniqKey, seq, newDueMs, future));
        return future;
    }

    private void submit(PendingWrite write) {
        if (closed) {
            write.future().completeExceptionally(new StoreException("timer store is closed", null));
        } else if (!committer.offer(write)) {
            write.future().completeExceptionally(new StoreBusyException("timer store is busy: "
                    + config.appendQueueCapacity() + " writes already queued (" + StoreConfig.APPEND_QUEUE_CAPACITY
                    + ")"));
        }
    }

    /**
     * Acknowledges delivered timers: each is removed from every index (leaving a tombstone for late retries).
     * Returns how many were still pending; one already ended (cancelled, acknowledged) is skipped. The timer
     * service acknowledges through its {@link DeliverySession} instead, which needs no read.
     */
    public int ack(Collection<TimerId> delivered) {
        if (delivered.isEmpty()) {
            return 0;
        }
        long now = clock.wallMillis();
        List<DueEntry> acked = new ArrayList<>(delivered.size());
        indexLock.lock();
        try (IndexBatch b = index.newBatch()) {
            // One multi-get for the batch; delivery then writes blindly (TimerIndex.endTimer's delivered path).
            List<DueEntry> pending = index.prefetchDue(b,
                    delivered.stream().map(TimerId::dueKey).toList());
            for (DueEntry e : pending) {
                if (index.endTimer(b, e, TimerState.DELIVERED, now, log.segmentBaseOf(e.position()))) {
                    acked.add(e);
                }
            }
            index.write(b, false);
        } finally {
            indexLock.unlock();
        }
        recordInLedger(acked);
        return acked.size();
    }

    /** Acknowledges one delivered timer; false if it was not pending under that due time. */
    public boolean ack(long dueMs, long seq) {
        return ack(List.of(new TimerId(dueMs, seq))) == 1;
    }

    // ---- delivery

    /** Opens a {@link DeliverySession}: how the timer service marks, acknowledges and parks what it delivers. */
    public DeliverySession deliverySession() {
        return new DeliverySession(this);
    }

    /** See {@link DeliverySession#begin}. */
    List<DueEntry> beginDelivery(DeliverySession owner, List<TimerId> ids) {
        foreground.touch();
        boolean[] marked = delivering.mark(owner, ids);
        if (marked == null) {
            // A task that ran after its service closed: marks it made now would never be ended.
            return new ArrayList<>(Collections.nCopies(ids.size(), null));
        }
        // Read after marking: a change that came first is in the index by now, one that comes later is refused.
        List<DueEntry> entries;
        try {
            entries = getAll(ids);
        } catch (RuntimeException e) {
            delivering.unmark(owner, ids, marked);
            throw e;
        }
        List<DueEntry> out = new ArrayList<>(ids.size());
        boolean[] absent = new boolean[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            DueEntry e = marked[i] ? entries.get(i) : null;
            absent[i] = marked[i] && e == null;
            out.add(e);
        }
        delivering.unmark(owner, ids, absent);
        return out;
    }

    /** The lock every index write holds; tests hold it to show what does not wait for it. */
    ReentrantLock indexLock() {
        return indexLock;
    }

    /** See {@link DeliverySession#end}. */
    void endDelivery(DeliverySession owner, Collection<TimerId> ids) {
        delivering.unmark(owner, ids);
    }

    /**
     * Ends every delivery {@code owner} still has in flight; returns how many. Under the index lock, so that an
     * acknowledgement or park of {@code owner} between its check of the marks and their removal completes first.
     */
    int abandonDeliveries(DeliverySession owner) {
        indexLock.lock();
        try {
            return delivering.abandon(owner);
        } finally {
            indexLock.unlock();
        }
    }

    /** Whether the timer filed under {@code id} is being delivered right now. */
    public boolean isDelivering(TimerId id) {
        return delivering.isMarked(id);
    }

    /** See {@link DeliverySession#ack}; returns how many were acknowledged. */
    int ackDelivering(DeliverySession owner, List<DueEntry> delivered) {
        if (delivered.isEmpty()) {
            return 0;
        }
        long now = clock.wallMillis();
        List<DueEntry> acked = new ArrayList<>(delivered.size());
        indexLock.lock();
        try (IndexBatch b = index.newBatch()) {
            List<TimerId> ended = new ArrayList<>(delivered.size());
            for (DueEntry e : delivered) {
                TimerId id = TimerId.of(e);
                if (delivering.isMarkedBy(id, owner)) { // else abandoned (the service closed): not ours to end
                    index.endDelivered(b, e, now, log.segmentBaseOf(e.position()));
                    ended.add(id);
                    acked.add(e);
                }
            }
            try {
                index.write(b, false);
                acks.worked();
            } catch (RuntimeException e) {
                acks.failed(e, "delivered timers stay pending, so they are delivered again after a restart (at least"
                        + " once); while the index cannot write, every acknowledgement fails so");
                throw new StoreException("acknowledging " + ended.size() + " delivered timers failed: "
                        + e.getMessage(), e);
            } finally {
                delivering.unmark(owner, ended);
            }
        } finally {
            indexLock.unlock();
        }
        recordInLedger(acked);
        return acked.size();
    }

    /** Outside the index lock: the ledger is for a rebuild, and an entry late or lost only risks a duplicate. */
    private void recordInLedger(List<DueEntry> delivered) {
        try {
            ledger.record(delivered);
            ledgerWrites.worked();
        } catch (IOException e) {
            ledgerWrites.failed(e, "recording " + delivered.size() + " delivered timers: an index rebuilt from the"
                    + " log would deliver them again (at least once)");
        }
    }

    /** See {@link DeliverySession#recordDelivered}. */
    void recordDelivered(List<DueEntry> delivered) {
        List<TimerId> ids = new ArrayList<>(delivered.size());
        for (DueEntry e : delivered) {
            ids.add(TimerId.of(e));
        }
        synchronized (journal) {
            try {
                journal.append(ids);
                journalWrites.worked();
            } catch (IOException e) {
                journalWrites.failed(e, "recording " + ids.size() + " delivered timers: a crash before their"
                        + " acknowledgements are written delivers them again (at least once)");
            }
        }
    }

    /** See {@link DeliverySession#forgetRecorded}. */
    void forgetRecorded() {
        synchronized (journal) {
            if (journal.isEmpty()) {
                return;
            }
            try {
                journal.clear();
                journalWrites.worked();
            } catch (IOException e) {
                journalWrites.failed(e, "emptying it: it keeps timers acknowledged since, which the next open"
                        + " skips");
            }
        }
    }

    /** See {@link DeliverySession#park}. */
    boolean park(DeliverySession owner, DueEntry entry, String reason) {
        TimerId id = TimerId.of(entry);
        indexLock.lock();
        try (IndexBatch b = index.newBatch()) {
            if (!delivering.isMarkedBy(id, owner)) {
                return false; // abandoned, perhaps being delivered by another session by now
            }
            boolean parked = index.park(b, entry, reason, clock.wallMillis());
            index.write(b, false);
            if (parked) {
                LOG.warn("Parked timer seq={} topic={} uniqKey={} due={}: {}", entry.seq(), entry.topic(),
                        entry.uniqKey(), entry.dueMs(), reason);
            }
            return parked;
        } finally {
            delivering.unmark(owner, List.of(id));
            indexLock.unlock();
        }
    }

    /**
     * Puts parked timers of {@code topic} back on schedule (due as before: at once if past); {@code seq} negative
     * releases all of the topic's. The listener hears of them as appended. Returns the timers released.
     */
    public List<DueEntry> release(String topic, long seq) {
        List<DueEntry> released = new ArrayList<>();
        indexLock.lock();
        try (IndexBatch b = index.newBatch()) {
            List<Long> seqs = new ArrayList<>();
            if (seq >= 0) {
                seqs.add(seq);
            } else {
                index.parked(topic, Integer.MAX_VALUE).forEach(p -> seqs.add(p.entry().seq()));
            }
            for (long s : seqs) {
                DueEntry e = index.release(b, topic, s, clock.wallMillis());
                if (e != null) {
                    released.add(e);
                }
            }
            index.write(b, false);
            if (!released.isEmpty()) {
                committer.notifyAppended(released);
            }
        } finally {
            indexLock.unlock();
        }
        return released;
    }

    /** A topic's parked timers (every topic's if {@code topic} is null), at most {@code limit}. */
    public List<ParkedTimer> parked(String topic, int limit) {
        return topic == null ? index.parkedAll(limit) : index.parked(topic, limit);
    }

    public long parkedCount() {
        return index.parkedTotal();
    }

    // ---- reads

    /**
     * Reads a pending timer's record. If compaction moved it since {@code entry} was read, follows the index to
     * its new place. Throws {@link CorruptRecordException} when its bytes fail their checks: never returns them.
     */
    public LogRecord read(DueEntry entry) throws IOException, CorruptRecordException {
        try {
            return readFollowingMoves(entry);
        } catch (CorruptRecordException e) {
            corruptRecords.report(e, "a read of timer " + entry.seq() + " of topic " + entry.topic());
            throw e;
        }
    }

    private LogRecord readFollowingMoves(DueEntry entry) throws IOException, CorruptRecordException {
        try {
            LogRecord r = log.read(entry.position(), entry.size());
            if (r.seq() == entry.seq() && r.type().carriesMessage()) {
                return r;
            }
        } catch (TimerLog.SegmentGoneException | CorruptRecordException e) {
            DueEntry now = index.pendingEntry(entry.topic(), entry.uniqKey(), entry.seq());
            if (now == null || now.position() == entry.position()) {
                throw e;
            }
            return log.read(now.position(), now.size());
        }
        DueEntry now = index.pendingEntry(entry.topic(), entry.uniqKey(), entry.seq());
        if (now == null) {
            throw new IOException("timer " + entry.seq() + " is no longer pending");
        }
        return log.read(now.position(), now.size());
    }

    /** The pending timers filed under {@code ids}, in the same order, null where none is (one multi-get). */
    public List<DueEntry> getAll(List<TimerId> ids) {
        return index.getDueAll(ids.stream().map(TimerId::dueKey).toList());
    }

    /** The pending timer filed under {@code (dueMs, seq)}, or null. */
    public DueEntry get(long dueMs, long seq) {
        return index.getDue(dueMs, seq);
    }

    /** Pending timers in due order after the cursor {@code (afterDueMs, afterSeq)}, due by {@code maxDueMs}. */
    public List<DueEntry> scanDue(long afterDueMs, long afterSeq, long maxDueMs, int limit) {
        return index.scanDue(afterDueMs, afterSeq, maxDueMs, limit);
    }

    /** One page of a topic's pending timers in due order; pass the last entry's due and seq to get the next. */
    public TopicPage listTopic(String topic, long fromDueMs, long toDueMs, long afterDueMs, long afterSeq,
                               int limit) {
        return index.listTopic(topic, fromDueMs, toDueMs, afterDueMs, afterSeq, limit);
    }

    /** The pending or parked timer the id {@code (dueMs, seq)} names, also after a reschedule; null if none. */
    public StoredTimer locate(TimerId id) {
        return index.locate(id.dueMs(), id.seq());
    }

    /** The pending and parked timers with this unique key (usually one). */
    public List<StoredTimer> locateByUniqKey(String topic, String uniqKey) {
        return index.locateByUniqKey(topic, uniqKey);
    }

    /** The pending and parked timers carrying message key {@code key}, at most {@code limit}. */
    public List<StoredTimer> locateByKey(String topic, String key, int limit) {
        return index.locateByKey(topic, key, limit);
    }

    /** The parked timer {@code seq} of {@code topic}, or null. */
    public ParkedTimer parkedTimer(String topic, long seq) {
        return index.parkedTimer(topic, seq);
    }

    /**
     * Records that {@code topic}'s timers are not to be re-published until {@link #resume}; durable when this
     * returns. The timer service reads it at start and is told of changes by its caller.
     */
    public void pause(String topic) {
        setPaused(topic, true);
    }

    public void resume(String topic) {
        setPaused(topic, false);
    }

    private void setPaused(String topic, boolean paused) {
        indexLock.lock();
        try (IndexBatch b = index.newBatch()) {
            index.setPaused(b, topic, paused, clock.wallMillis());
            index.write(b, true);
            writePausedTopics();
        } finally {
            indexLock.unlock();
        }
    }

    /** Copies the index's paused topics to {@link PausedTopicsFile}, for a rebuild; a failure costs only that. */
    private void writePausedTopics() {
        try {
            pausedTopicsFile.write(index.pausedTopics());
        } catch (IOException e) {
            LOG.warn("The paused topics could not be written beside the index ({}): an index rebuilt from the log"
                    + " would not pause them; the next pause, resume or start writes them again", e.toString());
        }
    }

    /** Paused topics, each with when it was paused (epoch ms). */
    public Map<String, Long> pausedTopics() {
        return index.pausedTopics();
    }

    /**
     * One page of a topic's pending and parked timers in due order, after the cursor {@code (afterDueMs,
     * afterSeq)} (negative {@code afterDueMs}: from the start); fills {@code out}, returns whether more follow.
     */
    public boolean listTopicTimers(String topic, long fromDueMs, long toDueMs, long afterDueMs, long afterSeq,
                                   int limit, List<StoredTimer> out) {
        return index.listTopicTimers(topic, fromDueMs, toDueMs, afterDueMs, afterSeq, limit, out);
    }

    /** A topic's pending timers (parked included) counted by due time between {@code bounds} (ascending). */
    public long[] countTopicByDue(String topic, long[] bounds) {
        return index.countTopicByDue(topic, bounds);
    }

    /** The pending timer due first (parked ones are not in the due index), or null. */
    public DueEntry firstDue() {
        List<DueEntry> first = index.scanDue(-1, Long.MAX_VALUE, Long.MAX_VALUE, 1);
        return first.isEmpty() ? null : first.get(0);
    }

    /** The first pending timer due at or after {@code fromMs}, or null. */
    public DueEntry firstDueFrom(long fromMs) {
        List<DueEntry> first = index.scanDue(fromMs - 1, Long.MAX_VALUE, Long.MAX_VALUE, 1);
        return first.isEmpty() ? null : first.get(0);
    }

    /**
     * What became of the timers with this unique key that are no longer pending: {@code ALREADY_DELIVERED} if one
     * was delivered, else {@code ALREADY_CANCELLED} if one was cancelled (while their tombstones are kept), else
     * {@code NOT_FOUND}. Read-only: for answering a look-up that found nothing.
     */
    public ChangeResult.Status endedStatus(String topic, String uniqKey) {
        ChangeResult.Status status = ChangeResult.Status.NOT_FOUND;
        for (UniqEntry u : index.uniqEntries(topic, uniqKey)) {
            boolean delivered = u.state() == TimerState.DELIVERED
                    || (u.state() == TimerState.PENDING && index.getDue(u.dueMs(), u.seq()) == null);
            if (delivered) {
                return ChangeResult.Status.ALREADY_DELIVERED;
            }
            if (u.state() == TimerState.CANCELLED) {
                status = ChangeResult.Status.ALREADY_CANCELLED;
            }
        }
        return status;
    }

    /** Pending timers with this unique key (usually one). */
    public List<DueEntry> findByUniqKey(String topic, String uniqKey) {
        return index.pendingByUniqKey(topic, uniqKey);
    }

    /** Pending timers carrying message key {@code key}. */
    public List<DueEntry> findByKey(String topic, String key) {
        return index.pendingByKey(topic, key);
    }

    public long pendingCount() {
        return index.pendingTotal();
    }

    public long pendingCount(String topic) {
        return index.pending(topic);
    }

    public Map<String, Long> pendingByTopic() {
        return index.pendingByTopic();
    }

    /** What opening this store had to repair. */
    public RecoveryReport recoveryReport() {
        return recovery;
    }

    /**
     * Copies the store, while it runs, to {@code target}: a new directory outside the store, whose parent exists. A
     * store opened there holds what this one held at one instant (decision 0046); writes wait only while the copy is
     * pinned.
     *
     * @throws IllegalArgumentException if {@code target} exists, lies inside the store, or has no parent directory
     * @throws StoreBusyException       if another backup is under way
     */
    public BackupReport backup(Path target) throws IOException {
        return backup.run(target);
    }

    /** The last backup that worked since the store opened, or null. */
    public BackupReport lastBackup() {
        return backup.last();
    }

    /** One space-reclaim pass now (it also runs every {@code reclaimIntervalMs}). */
    public ReclaimReport reclaimSpace() throws IOException {
        return reclaimer.reclaim();
    }

    /** Figures now; once closed, only what needs no index (reading a closed RocksDB would crash the JVM). */
    public StoreStats stats() {
        boolean open = !closed;
        return new StoreStats(open ? index.pendingTotal() : 0, log.segments().size(), log.sizeOnDisk(),
                open ? kv.sizeOnDisk() : 0, ledger.bytes(), log.writePosition(), log.flushedPosition(),
                flusher.fsyncCount(), flusher.fsyncNanosTotal(), open ? committer.queued() : 0,
                open ? kv.cacheUsage() : 0, committer.cancelled(), committer.rescheduled(), corruptRecords.count(),
                scrubber.passes(), scrubber.lastPassEndMs(), !open);
    }

    /** Whether {@link #close} has begun: nothing can be stored any more. Cheaper than {@link #stats()}. */
    public boolean isClosed() {
        return closed;
    }

    /** Whether the index's writes are failing for want of space ({@code indexMaxDiskBytes} or a full disk). */
    public boolean indexOutOfSpace() {
        return committer.indexOutOfSpace();
    }

    /**
     * Why the timer log cannot be written or fsynced now (an I/O error: new timers, cancels and reschedules are
     * refused), or null when its last write and fsync worked.
     */
    public String writeFailure() {
        String write = logWrites.failingCause();
        return write != null ? write : logFsyncs.failingCause();
    }

    /** Writes (groups) and fsyncs of the timer log that failed since the store opened. */
    public long writeFailures() {
        return logWrites.failures() + logFsyncs.failures();
    }

    /** The disk's headroom: whether the store refuses new timers for want of space, and how much is free. */
    public DiskSpace diskSpace() {
        return diskSpace;
    }

    /** The corrupt records found so far: count and the latest few, for status and metrics. */
    public CorruptRecords corruptRecords() {
        return corruptRecords;
    }

    /** One scrubber pass now, on the caller's thread (it also runs every {@code scrubIntervalMs}); new finds. */
    public int scrubNow() {
        return scrubber.pass();
    }

    public StoreConfig config() {
        return config;
    }

    /**
     * Stops taking writes, finishes those queued (and their fsync), then closes in reverse order of opening:
     * a backup under way (waited for), scrubber, reclaimer, maintenance, committer, flusher, index, log. Idempotent.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        backup.close();
        // Not shutdownNow: interrupting an fsync or a reclaim in progress closes its FileChannel under it.
        scrubber.stop();
        scrubbing.shutdown();
        reclaimer.stop();
        reclaiming.shutdown();
        maintenance.shutdown();
        try {
            scrubbing.awaitTermination(30, TimeUnit.SECONDS);
            reclaiming.awaitTermination(30, TimeUnit.SECONDS);
            maintenance.awaitTermination(30, TimeUnit.SECONDS);
            committer.stop();
            flusher.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IOException failure = null;
        try {
            log.force();
        } catch (IOException e) {
            failure = e;
        }
        try {
            // A clean stop leaves nothing to replay: index durable, memtables in files.
            index.syncWal();
            kv.flushMemtables();
        } catch (RuntimeException e) {
            LOG.warn("Timer index flush at close failed; the next open will replay from its WAL", e);
        }
        synchronized (journal) {
            try {
                journal.close();
            } catch (IOException e) {
                LOG.warn("Closing the journal of delivered timers failed", e);
            }
        }
        try {
            ledger.close();
        } catch (IOException e) {
            LOG.warn("Closing the ledger of delivered timers failed", e);
        }
        kv.close();
        log.close();
        try {
            lock.close(); // last: until now this process may still write the store
        } catch (IOException e) {
            LOG.warn("Releasing the lock of the timer store at {} failed", config.storePath(), e);
        }
        if (failure != null) {
            throw failure;
        }
        LOG.info("Timer store closed at {}", config.storePath());
    }
}
