package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.IndexBatch;
import io.sundial.store.index.IndexException;
import io.sundial.store.index.ParkedTimer;
import io.sundial.store.index.Keys;
import io.sundial.store.index.TimerIndex;
import io.sundial.store.index.TimerState;
import io.sundial.store.index.UniqEntry;
import io.sundial.store.log.FlushMode;
import io.sundial.store.log.TimerLog;
import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.RecordCodec;
import io.sundial.store.record.RecordType;
import io.sundial.store.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The single writer of the timer log (group commit). Callers on many threads queue {@link PendingWrite}s;
 * this thread takes every write waiting, appends their records to the log with one gathering write, applies
 * their index changes in one RocksDB batch together with the new applied position, tells the listener, and
 * then either completes the callers (ASYNC_FLUSH) or hands them to the {@link Flusher}, which completes them
 * after one fsync covers the whole group (SYNC_FLUSH).
 *
 * <p>Retries are recognised here, under the index lock, so two copies of one send racing on two connections
 * cannot both become timers. A cancel or reschedule of a timer being delivered (see
 * {@link DeliverySession#begin}) changes nothing and answers {@code TOO_LATE}; compaction leaves its record.
 * The queue is bounded: when full, {@link #offer} refuses at once so that the
 * caller can answer "busy" instead of queueing without bound.
 */
final class Committer {
    private static final Logger LOG = LoggerFactory.getLogger(Committer.class);
    private static final int MAX_GROUP_WRITES = 2048;

    private final TimerLog log;
    private final TimerIndex index;
    private final ReentrantLock indexLock;
    private final DeliveryMarks delivering;
    private final Clock clock;
    private final FlushMode flushMode;
    /** Index writes failing for want of space: refused as "store full", an episode of their own. */
    private final FailureEpisode indexSpace;
    private final FailureEpisode failures;
    private final Flusher flusher;
    private final BlockingQueue<PendingWrite> queue;
    private final Thread thread;
    private volatile TimerListener listener = TimerListener.NONE;
    private volatile boolean running = true;
    private long nextSeq;
    /** The committer thread's: whether the group being written holds the delivery marks' lock. */
    private boolean marksHeld;
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder rescheduled = new LongAdder();

    Committer(TimerLog log, TimerIndex index, ReentrantLock indexLock, DeliveryMarks delivering, Clock clock,
              FlushMode flushMode, Flusher flusher, FailureEpisode failures, long nextSeq, int queueCapacity) {
        this.log = log;
        this.failures = failures;
        this.indexSpace = new FailureEpisode(LOG, "Writing the timer index", clock);
        this.index = index;
        this.indexLock = indexLock;
        this.delivering = delivering;
        this.clock = clock;
        this.flushMode = flushMode;
        this.flusher = flusher;
        this.nextSeq = nextSeq;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.thread = new Thread(this::run, "sundial-store-committer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void listener(TimerListener l) {
        this.listener = l == null ? TimerListener.NONE : l;
    }

    /** Tells the listener of timers that became pending outside a write (released from parking). */
    void notifyAppended(List<DueEntry> timers) {
        listener.onAppended(List.copyOf(timers));
    }

    /** Queues a write; false when the queue is full or the committer is stopping. */
    boolean offer(PendingWrite w) {
        return running && queue.offer(w);
    }

    int queued() {
        return queue.size();
    }

    /** Whether index writes are failing for want of space (since the last group that failed so). */
    boolean indexOutOfSpace() {
        return indexSpace.failingCause() != null;
    }

    long cancelled() {
        return cancelled.sum();
    }

    long rescheduled() {
        return rescheduled.sum();
    }

    private void run() {
        List<PendingWrite> group = new ArrayList<>(MAX_GROUP_WRITES);
        while (running || !queue.isEmpty()) {
            try {
                PendingWrite first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                queue.drainTo(group, MAX_GROUP_WRITES - 1);
                if (!process(group)) {
                    continue;
                }
                failures.worked();
                indexSpace.worked();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (IndexException e) {
                if (e.outOfSpace()) {
                    indexSpace.failed(e, "it is out of space; writes are refused as 'store full' until RocksDB can"
                            + " write again, which it does by itself once there is room");
                    fail(group, new StoreFullException("the timer index is out of space (" + e.getMessage()
                            + "); new timers are refused until it can write again"));
                } else {
                    failed(group, e);
                }
            } catch (RuntimeException | Error e) {
                failed(group, e);
            } finally {
                group.clear();
            }
        }
    }

    /** Fails the group's callers and notes the failure (logged once per episode, with its cause). */
    private void failed(List<PendingWrite> group, Throwable cause) {
        String what = group.size() == 1 ? "a write was" : "a group of " + group.size() + " writes was";
        failures.failed(cause, what + " refused (its senders are answered SYSTEM_ERROR, nothing of it is"
                + " acknowledged); new timers, cancels, reschedules and compaction fail so while it lasts");
        fail(group, cause);
    }

    /** Writes the group; false if it failed (its callers then have their error). */
    private boolean process(List<PendingWrite> group) {
        List<Runnable> completions = new ArrayList<>(group.size());
        // Appends check no marks; a change holds them still from its check through the index write below. So does
        // a retry whose first copy is written again, from the moment it is found (see flushAppends).
        boolean changes = !group.stream().allMatch(w -> w instanceof PendingWrite.Append);
        indexLock.lock();
        if (changes) {
            holdMarks();
        }
        try (IndexBatch batch = index.newBatch()) {
            GroupContext ctx = new GroupContext(batch, completions);
            for (PendingWrite w : group) {
                if (w instanceof PendingWrite.Append a) {
                    ctx.appends.add(a);
                } else {
                    ctx.flushAppends();
                    if (w instanceof PendingWrite.Cancel c) {
                        ctx.cancel(c);
                    } else if (w instanceof PendingWrite.Reschedule r) {
                        ctx.reschedule(r);
                    } else if (w instanceof PendingWrite.Move m) {
                        ctx.move(m);
                    } else if (w instanceof PendingWrite.CopyChanges cc) {
                        ctx.copyChanges(cc);
                    }
                }
            }
            ctx.flushAppends();
            if (ctx.forceBeforeIndex) {
                // Compaction moves must be durable before the index points at them: the old copy may be deleted.
                log.force();
            }
            index.setApplied(batch, log.writePosition(), nextSeq);
            index.write(batch, false);
            ctx.notifyListener();
        } catch (IOException e) {
            failed(group, new StoreException("the timer log cannot be written: " + e.getMessage(), e));
            return false;
        } finally {
            if (marksHeld) {
                marksHeld = false;
                delivering.unlock();
            }
            indexLock.unlock();
        }
        if (flushMode == FlushMode.SYNC_FLUSH) {
            flusher.afterNextFsync(completions, log.writePosition());
        } else {
            completions.forEach(Runnable::run);
        }
        return true;
    }

    /** Holds the delivery marks still until the group's index write is done (the index lock is held already). */
    private void holdMarks() {
        if (!marksHeld) {
            delivering.lock();
            marksHeld = true;
        }
    }

    private static <T> Flusher.FailableCompletion completion(CompletableFuture<T> future, T value) {
        return new Flusher.FailableCompletion() {
            @Override
            public void run() {
                future.complete(value);
            }

            @Override
            public void fail(Throwable cause) {
                future.completeExceptionally(cause);
            }
        };
    }

    private static void fail(List<PendingWrite> group, Throwable cause) {
        StoreException e = cause instanceof StoreException se ? se
                : new StoreException("timer store write failed: " + cause, cause);
        for (PendingWrite w : group) {
            w.future().completeExceptionally(e);
        }
    }

    /** Stops taking writes, finishes those queued, and waits for the thread. */
    void stop() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }

    /** Per-group state: the batch, the completions, and the run of appends not yet written. */
    private final class GroupContext {
        private final IndexBatch batch;
        private final List<Runnable> completions;
        private final List<PendingWrite.Append> appends = new ArrayList<>();
        private final List<DueEntry> appended = new ArrayList<>();
        private final List<Runnable> notifications = new ArrayList<>();
        private boolean forceBeforeIndex;

        GroupContext(IndexBatch batch, List<Runnable> completions) {
            this.batch = batch;
            this.completions = completions;
        }

        /** Writes the run of appends queued so far: retries recognised, one log write, then the index. */
        void flushAppends() throws IOException {
            if (appends.isEmpty()) {
                return;
            }
            long now = clock.wallMillis();
            List<byte[]> uniqKeys = new ArrayList<>();
            for (PendingWrite.Append a : appends) {
                for (PreparedAppend p : a.appends()) {
                    uniqKeys.add(Keys.uniq(p.message.topic(), p.uniqKey));
                }
            }
            index.prefetchUniq(batch, uniqKeys);
            Map<String, List<RunCopy>> runKeys = new HashMap<>();
            List<ByteBuffer> buffers = new ArrayList<>();
            List<PreparedAppend> written = new ArrayList<>();
            List<AppendResult[]> results = new ArrayList<>(appends.size());
            List<int[]> slots = new ArrayList<>();
            List<DueEntry> rewritten = new ArrayList<>(0);
            List<ByteBuffer> rewrites = new ArrayList<>(0);
            for (int w = 0; w < appends.size(); w++) {
                List<PreparedAppend> list = appends.get(w).appends();
                AppendResult[] out = new AppendResult[list.size()];
                results.add(out);
                for (int i = 0; i < list.size(); i++) {
                    PreparedAppend p = list.get(i);
                    AppendResult first = firstCopy(p, runKeys);
                    if (first != null) {
                        out[i] = first;
                        DueEntry untrusted = untrustedFirstCopy(first);
                        if (untrusted != null) {
                            rewritten.add(untrusted);
                            LogRecord copy = LogRecord.timer(untrusted.seq(), untrusted.dueMs(), first.enqueueMs(),
                                    p.fingerprint, p.uniqKey, p.message);
                            rewrites.add(RecordCodec.encode(copy.movedTo(untrusted.dueMs())));
                        }
                        continue;
                    }
                    long seq = nextSeq++;
                    RecordCodec.patchSeq(p.encoded, seq);
                    buffers.add(p.encoded);
                    written.add(p);
                    slots.add(new int[] {w, i});
                    AppendResult r = new AppendResult(seq, p.dueMs, p.enqueueMs, p.uniqKey, false);
                    out[i] = r;
                    runKeys.computeIfAbsent(runKey(p), k -> new ArrayList<>(1)).add(new RunCopy(p.fingerprint, r));
                }
            }
            buffers.addAll(rewrites);
            long[] positions = log.append(buffers);
            for (int j = 0; j < rewritten.size(); j++) {
                DueEntry e = rewritten.get(j);
                long position = positions[written.size() + j];
                index.relocate(batch, e, position, rewrites.get(j).remaining(), log.segmentBaseOf(e.position()),
                        log.segmentBaseOf(position));
            }
            for (int k = 0; k < written.size(); k++) {
                PreparedAppend p = written.get(k);
                AppendResult r = results.get(slots.get(k)[0])[slots.get(k)[1]];
                DueEntry e = new DueEntry(p.dueMs, r.seq(), positions[k], p.encoded.remaining(),
                        p.message.queueId(), p.message.topic(), p.uniqKey, p.keys);
                index.addTimer(batch, e, p.fingerprint, log.segmentBaseOf(positions[k]), now);
                appended.add(e);
            }
            for (int w = 0; w < appends.size(); w++) {
                PendingWrite.Append a = appends.get(w);
                List<AppendResult> out = List.of(results.get(w));
                completions.add(completion(a.future(), out));
            }
            appends.clear();
        }

        /** The first copy of {@code p} if it is a retry (same topic, key and fingerprint), else null. */
        private AppendResult firstCopy(PreparedAppend p, Map<String, List<RunCopy>> runKeys) {
            for (UniqEntry u : index.uniqEntries(batch, p.message.topic(), p.uniqKey)) {
                if (u.fingerprint() == p.fingerprint) {
                    return new AppendResult(u.seq(), u.dueMs(), u.stateAtMs(), p.uniqKey, true);
                }
            }
            for (RunCopy copy : runKeys.getOrDefault(runKey(p), List.of())) {
                if (copy.fingerprint() == p.fingerprint) {
                    AppendResult r = copy.result();
                    return new AppendResult(r.seq(), r.dueMs(), r.enqueueMs(), r.uniqKey(), true);
                }
            }
            return null;
        }

        /**
         * The pending timer a retry was recognised as, if its record cannot be trusted: written before an fsync that
         * failed (its bytes may never reach the disk), or not reading whole (a failed fsync's hole met after a
         * restart, when the log no longer knows the fsync failed; a damaged sector). The retry's copy is then written
         * again (a MOVE record, the timer's sequence and due time kept), the index points at it, and the retry is
         * answered once an fsync covers that copy: answered on the strength of the first copy, it would be parked as
         * corrupt at its due time. Not while the timer is being delivered: its delivery has read the record already.
         */
        private DueEntry untrustedFirstCopy(AppendResult first) {
            DueEntry e = index.getDue(batch, first.dueMs(), first.seq());
            if (e == null || !log.fsyncFailedAt(e.position()) && readsWhole(e)) {
                return null;
            }
            holdMarks();
            return isDelivering(e) ? null : e;
        }

        /**
         * Whether the record of {@code e} reads and passes its checks. A recognised retry is the exception, so is this
         * read; it runs under the index lock, so compaction cannot move the record meanwhile.
         */
        private boolean readsWhole(DueEntry e) {
            try {
                log.readBytes(e.position(), e.size());
                return true;
            } catch (IOException | CorruptRecordException unreadable) {
                LOG.warn("A producer's retry of timer {} of topic {} (key {}) is written again: its first copy at"
                        + " position {} does not read ({})", e.seq(), e.topic(), e.uniqKey(), e.position(),
                        unreadable.getMessage());
                return false;
            }
        }

        private String runKey(PreparedAppend p) {
            return p.message.topic() + '\u0000' + p.uniqKey;
        }

        void cancel(PendingWrite.Cancel c) throws IOException {
            List<DueEntry> pending = pendingTargets(c.topic(), c.uniqKey(), c.onlySeq());
            List<DueEntry> parked = parkedTargets(c.topic(), c.uniqKey(), c.onlySeq());
            if (pending.isEmpty() && parked.isEmpty()) {
                completions.add(completion(c.future(), unchanged(c.topic(), c.uniqKey(), c.onlySeq())));
                return;
            }
            long now = clock.wallMillis();
            List<DueEntry> targets = new ArrayList<>(pending);
            targets.addAll(parked);
            List<ByteBuffer> buffers = new ArrayList<>(targets.size());
            for (DueEntry e : targets) {
                buffers.add(RecordCodec.encode(LogRecord.cancel(e.seq(), e.dueMs(), now, e.topic(), e.uniqKey(),
                        e.position())));
            }
            long[] positions = log.append(buffers);
            keepChanges(targets, positions);
            for (DueEntry e : pending) {
                index.endTimer(batch, e, TimerState.CANCELLED, now, log.segmentBaseOf(e.position()));
                notifications.add(() -> listener.onCancelled(e));
            }
            for (DueEntry e : parked) {
                index.cancelParked(batch, e, now, log.segmentBaseOf(e.position()));
            }
            ChangeResult r = ChangeResult.changed(targets);
            cancelled.add(targets.size());
            completions.add(completion(c.future(), r));
        }

        void reschedule(PendingWrite.Reschedule rs) throws IOException {
            List<DueEntry> targets = pendingTargets(rs.topic(), rs.uniqKey(), rs.onlySeq());
            if (targets.isEmpty()) {
                completions.add(completion(rs.future(), unchanged(rs.topic(), rs.uniqKey(), rs.onlySeq())));
                return;
            }
            long now = clock.wallMillis();
            List<ByteBuffer> buffers = new ArrayList<>(targets.size());
            for (DueEntry e : targets) {
                buffers.add(RecordCodec.encode(LogRecord.reschedule(e.seq(), rs.newDueMs(), e.dueMs(), now,
                        e.topic(), e.uniqKey())));
            }
            keepChanges(targets, log.append(buffers));
            for (DueEntry e : targets) {
                index.changeDue(batch, e, rs.newDueMs());
                DueEntry after = e.withDue(rs.newDueMs());
                notifications.add(() -> listener.onRescheduled(e, after));
            }
            ChangeResult r = ChangeResult.changed(targets);
            rescheduled.add(targets.size());
            completions.add(completion(rs.future(), r));
        }

        /** Moves each candidate still where it was read, pending (and not in flight) or parked. */
        void move(PendingWrite.Move m) throws IOException {
            List<DueEntry> live = new ArrayList<>();
            List<ParkedTimer> parked = new ArrayList<>();
            List<ByteBuffer> buffers = new ArrayList<>();
            for (PendingWrite.Move.Candidate c : m.candidates()) {
                DueEntry expected = c.expected();
                DueEntry now = index.pendingEntry(batch, expected.topic(), expected.uniqKey(), expected.seq());
                ParkedTimer p = now == null ? index.parkedTimer(batch, expected.topic(), expected.seq()) : null;
                if (p != null) {
                    now = p.entry();
                }
                if (now != null && now.position() == expected.position() && (p != null || !isDelivering(now))) {
                    live.add(now);
                    parked.add(p);
                    buffers.add(RecordCodec.encode(c.record().movedTo(now.dueMs())));
                }
            }
            if (!buffers.isEmpty()) {
                long[] positions = log.append(buffers);
                for (int i = 0; i < live.size(); i++) {
                    DueEntry e = live.get(i);
                    int size = buffers.get(i).remaining();
                    long from = log.segmentBaseOf(e.position());
                    long to = log.segmentBaseOf(positions[i]);
                    if (parked.get(i) != null) {
                        index.relocateParked(batch, parked.get(i), positions[i], size, from, to);
                    } else {
                        index.relocate(batch, e, positions[i], size, from, to);
                    }
                }
                forceBeforeIndex = true;
            }
            int moved = live.size();
            completions.add(completion(m.future(), moved));
        }

        /** Keeps the segment of each change record while its timer's record is in another (decision 0048). */
        private void keepChanges(List<DueEntry> targets, long[] positions) {
            for (int i = 0; i < targets.size(); i++) {
                index.keep(batch, log.segmentBaseOf(positions[i]), log.segmentBaseOf(targets.get(i).position()));
            }
        }

        /**
         * Copies forward the change records of a compacted segment that an index rebuilt from the log would still
         * need, each kept for the segment of the record it changes: a cancel whose cancelled record lies in an older
         * segment that is still there, as it is; a reschedule whose timer is pending or parked with its record in an
         * older segment, restated at the due time the timer has now, so that the copy, which comes later in the log,
         * never undoes a later change. The last write of a segment's copies lets go of what kept it.
         */
        void copyChanges(PendingWrite.CopyChanges cc) throws IOException {
            List<ByteBuffer> buffers = new ArrayList<>(cc.changes().size());
            List<Long> targets = new ArrayList<>(cc.changes().size());
            for (LogRecord r : cc.changes()) {
                if (r.type() == RecordType.CANCEL) {
                    long position = r.cancelledRecordPosition();
                    long target = position < 0 ? -1 : log.segmentBaseOf(position);
                    if (target >= 0 && target < cc.fromSegment()) { // one in this segment goes with it
                        buffers.add(RecordCodec.encode(r));
                        targets.add(target);
                    }
                } else {
                    DueEntry e = index.liveEntry(batch, r.topic(), r.uniqKey(), r.seq());
                    long target = e == null ? -1 : log.segmentBaseOf(e.position());
                    if (target >= 0 && target < cc.fromSegment()) {
                        buffers.add(RecordCodec.encode(LogRecord.reschedule(r.seq(), e.dueMs(), e.dueMs(),
                                r.enqueueMs(), r.topic(), r.uniqKey())));
                        targets.add(target);
                    }
                }
            }
            if (!buffers.isEmpty()) {
                long[] positions = log.append(buffers);
                for (int i = 0; i < positions.length; i++) {
                    index.keep(batch, log.segmentBaseOf(positions[i]), targets.get(i));
                }
                forceBeforeIndex = true; // the copies must be durable before their segment can be let go
            }
            if (cc.last()) {
                index.releaseKeptSegment(batch, cc.fromSegment());
            }
            completions.add(completion(cc.future(), buffers.size()));
        }

        /** The pending timers a cancel or reschedule changes: not those being delivered. */
        private List<DueEntry> pendingTargets(String topic, String uniqKey, long onlySeq) {
            List<DueEntry> out = new ArrayList<>(1);
            for (UniqEntry u : index.uniqEntries(batch, topic, uniqKey)) {
                if (u.state() == TimerState.PENDING && (onlySeq < 0 || u.seq() == onlySeq)) {
                    DueEntry e = index.getDue(batch, u.dueMs(), u.seq());
                    if (e != null && !isDelivering(e)) {
                        out.add(e);
                    }
                }
            }
            return out;
        }

        private boolean isDelivering(DueEntry e) {
            return delivering.isMarked(TimerId.of(e));
        }

        /** The parked timers a cancel ends. */
        private List<DueEntry> parkedTargets(String topic, String uniqKey, long onlySeq) {
            List<DueEntry> out = new ArrayList<>(0);
            for (UniqEntry u : index.uniqEntries(batch, topic, uniqKey)) {
                if (u.state() == TimerState.PARKED && (onlySeq < 0 || u.seq() == onlySeq)) {
                    ParkedTimer p = index.parkedTimer(batch, topic, u.seq());
                    if (p != null) {
                        out.add(p.entry());
                    }
                }
            }
            return out;
        }

        /** Why a cancel or reschedule found nothing to change. */
        private ChangeResult unchanged(String topic, String uniqKey, long onlySeq) {
            for (UniqEntry u : index.uniqEntries(batch, topic, uniqKey)) {
                if ((onlySeq < 0 || u.seq() == onlySeq) && u.state() == TimerState.PARKED) {
                    return ChangeResult.of(ChangeResult.Status.PARKED);
                }
            }
            for (UniqEntry u : index.uniqEntries(batch, topic, uniqKey)) {
                if ((onlySeq < 0 || u.seq() == onlySeq) && delivering.isMarked(new TimerId(u.dueMs(), u.seq()))
                        && index.getDue(batch, u.dueMs(), u.seq()) != null) {
                    return ChangeResult.of(ChangeResult.Status.TOO_LATE);
                }
            }
            return ChangeResult.of(endedStatus(topic, uniqKey, onlySeq));
        }

        private ChangeResult.Status endedStatus(String topic, String uniqKey, long onlySeq) {
            ChangeResult.Status status = ChangeResult.Status.NOT_FOUND;
            for (UniqEntry u : index.uniqEntries(batch, topic, uniqKey)) {
                if (onlySeq < 0 || u.seq() == onlySeq) {
                    if (index.isDelivered(batch, u)) {
                        status = ChangeResult.Status.ALREADY_DELIVERED;
                    } else if (u.state() == TimerState.CANCELLED && status == ChangeResult.Status.NOT_FOUND) {
                        status = ChangeResult.Status.ALREADY_CANCELLED;
                    }
                }
            }
            return status;
        }

        void notifyListener() {
            if (!appended.isEmpty()) {
                listener.onAppended(List.copyOf(appended));
            }
            notifications.forEach(Runnable::run);
        }
    }

    /** A timer written earlier in the same run, for recognising a retry that arrives in the same group. */
    private record RunCopy(long fingerprint, AppendResult result) {
    }
}
