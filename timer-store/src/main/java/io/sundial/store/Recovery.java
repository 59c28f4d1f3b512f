package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.IndexBatch;
import io.sundial.store.index.ParkedTimer;
import io.sundial.store.index.TimerIndex;
import io.sundial.store.index.TimerState;
import io.sundial.store.index.UniqEntry;
import io.sundial.store.log.ScannedRecord;
import io.sundial.store.log.TimerLog;
import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.MessageProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Brings the index up to the log at open.
 *
 * <p><b>Argument.</b> Every index batch carries the log position it has applied, atomically, and batches reach
 * RocksDB's write-ahead log in order. So after any crash the index holds exactly the effects of the records
 * before its applied position, plus acknowledgements (which have no record). Two repairs restore agreement:
 * <ol>
 *   <li>If the applied position lies beyond the valid end of the log (an ASYNC_FLUSH tail lost with the page
 *       cache while RocksDB kept its entries), entries pointing beyond the end are dropped without tombstones,
 *       so the producer's retry is stored again. This scans the due index once; it happens only after such a
 *       loss.</li>
 *   <li>Records after the applied position are re-applied in order: TIMER (unless its sequence or a copy with
 *       the same fingerprint is already indexed), CANCEL (only if the timer is still pending or parked) and
 *       RESCHEDULE (only if it is still pending),
 *       MOVE (if the timer is pending elsewhere, it points there, at the move's due time; if the index does not
 *       know the timer at all, as a TIMER record). A cancel or reschedule applied keeps its segment while the
 *       timer's record is in another (decision 0048). Each check makes a record's second application a no-op
 *       (a keep counted twice only keeps longer), so replay is safe to run twice, including when it is
 *       interrupted.</li>
 * </ol>
 * Then the timers the {@link DeliveredJournal} names as delivered and still pending are acknowledged. An index
 * rebuilt from the log (missing or empty at open) also leaves out the timers the {@link DeliveredLedger} names.
 * Guarantee: every append that completed is pending after a crash unless it was acknowledged or cancelled;
 * nothing acknowledged before the crash is pending again unless its acknowledgement had reached neither RocksDB's
 * write-ahead log nor the journal (then it is delivered again: at least once).
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
    private static final int RECORDS_PER_BATCH = 1024;

    private final TimerLog log;
    private final TimerIndex index;
    private long nextSeq;
    private final long sequenceFloor;
    private final Map<String, Long> pausedTopics;
    /** In a rebuild, the sequences the ledger names as delivered (sorted): their records are not indexed again. */
    private long[] delivered = new long[0];
    private long skippedDelivered;

    /**
     * {@code sequenceFloor}: the {@link SequenceFloor}, which a rebuilt index's next sequence must not go below;
     * {@code pausedTopics}: the {@link PausedTopicsFile}'s, paused again in a rebuilt index (decision 0049).
     */
    Recovery(TimerLog log, TimerIndex index, long sequenceFloor, Map<String, Long> pausedTopics) {
        this.log = log;
        this.index = index;
        this.nextSeq = index.nextSeq();
        this.sequenceFloor = sequenceFloor;
        this.pausedTopics = pausedTopics;
    }

    long nextSeq() {
        return nextSeq;
    }

    /**
     * Repairs the index, then acknowledges what {@code journal} says was delivered ({@code nowMs}: its time) and
     * records that in {@code ledger}, which a rebuild of the index also reads.
     */
    RecoveryReport run(DeliveredJournal journal, DeliveredLedger ledger, long nowMs) throws IOException {
        long start = System.nanoTime();
        long validEnd = log.writePosition();
        long applied = index.appliedPosition();
        if (index.fresh() && validEnd > log.startPosition()) {
            // A missing or emptied index: rebuild it from what the log still holds (segments before its start were
            // deleted because nothing in them was pending any more).
            LOG.warn("Timer index is missing or empty while the timer log holds positions {} to {}: rebuilding the"
                    + " index from the log. Delivered timers stay delivered (the ledger of delivered timers names"
                    + " them; one missing from it is delivered again: at least once); cancels and reschedules are in"
                    + " the log and hold; paused topics stay paused; parked timers are pending again (parked again if"
                    + " their delivery still fails).", log.startPosition(), validEnd);
            applied = log.startPosition();
            delivered = ledger.deliveredSeqs();
            if (delivered.length > 0) {
                // The ledger's sequences were handed out too: a floor that could not be read must not undo that,
                // or a new timer could take a sequence the ledger names and be left out by the next rebuild.
                nextSeq = Math.max(nextSeq, delivered[delivered.length - 1] + 1);
            }
            nextSeq = Math.max(nextSeq, sequenceFloor); // the sequences of deleted segments are not handed out again
            pauseAgain(); // first: a rebuild interrupted later finds the index no longer empty
        }
        long dropped = 0;
        if (applied > validEnd) {
            dropped = dropBeyond(validEnd);
            applied = validEnd;
        }
        if (applied < log.startPosition()) {
            throw new IllegalStateException("the index has applied the timer log up to position " + applied
                    + " but the first segment starts at " + log.startPosition() + ": timer log segments are missing"
                    + " from " + "the store's timerlog directory; restore them, or move the index directory away"
                    + " to rebuild it from the log");
        }
        long replayed = replay(applied, validEnd);
        if (delivered.length > 0) {
            LOG.warn("The rebuilt index left out {} records of delivered timers (the ledger of delivered timers names"
                    + " {} timers)", skippedDelivered, delivered.length);
            delivered = new long[0];
        }
        long journalAcks = acknowledgeJournaled(journal, ledger, nowMs);
        long millis = (System.nanoTime() - start) / 1_000_000;
        RecoveryReport report = new RecoveryReport(log.cutBytesAtOpen(), dropped, replayed, applied, validEnd,
                journalAcks, skippedDelivered, millis);
        if (replayed > 0 || dropped > 0 || report.cutBytes() > 0 || journalAcks > 0) {
            LOG.info("Timer store recovered in {} ms: replayed {} log records from position {} to {}, dropped {} "
                    + "index entries beyond the log end, cut {} bytes of torn tail, acknowledged {} timers delivered"
                    + " before the stop (from the journal)", millis, replayed, applied, validEnd, dropped,
                    report.cutBytes(), journalAcks);
        }
        return report;
    }

    private void pauseAgain() {
        if (pausedTopics.isEmpty()) {
            return;
        }
        try (IndexBatch b = index.newBatch()) {
            pausedTopics.forEach((topic, atMs) -> index.setPaused(b, topic, true, atMs));
            index.write(b, true);
        }
        LOG.warn("Paused again in the rebuilt index, as before: {}", pausedTopics.keySet());
    }

    /**
     * Acknowledges the timers the journal names that are still pending: the backend had taken them, and their
     * acknowledgement had not reached the index. The journal names only delivered timers and a timer's
     * {@code (dueMs, seq)} is never used again, so acknowledging one twice, or one no longer pending, is a no-op;
     * the journal is emptied once the acknowledgements are durable, and a crash before that repeats this.
     */
    private long acknowledgeJournaled(DeliveredJournal journal, DeliveredLedger ledger, long nowMs)
            throws IOException {
        if (journal.isEmpty()) {
            return 0;
        }
        // A timer delivered twice (its first session abandoned it) is named twice: acknowledged once.
        List<TimerId> ids = new ArrayList<>(new LinkedHashSet<>(journal.read()));
        long acked = 0;
        for (int from = 0; from < ids.size(); from += RECORDS_PER_BATCH) {
            List<TimerId> part = ids.subList(from, Math.min(ids.size(), from + RECORDS_PER_BATCH));
            List<DueEntry> pending = index.getDueAll(part.stream().map(TimerId::dueKey).toList());
            List<DueEntry> ended = new ArrayList<>(part.size());
            try (IndexBatch b = index.newBatch()) {
                for (DueEntry e : pending) {
                    if (e != null) {
                        index.endDelivered(b, e, nowMs, log.segmentBaseOf(e.position()));
                        ended.add(e);
                    }
                }
                // One fsync, with the last batch: RocksDB's write-ahead log keeps the batches' order.
                index.write(b, from + RECORDS_PER_BATCH >= ids.size());
            }
            recordInLedger(ledger, ended);
            acked += ended.size();
        }
        journal.clear();
        return acked;
    }

    /** A ledger that cannot be written must not keep the store from opening: it only spares a rebuild duplicates. */
    private static void recordInLedger(DeliveredLedger ledger, List<DueEntry> delivered) {
        try {
            ledger.record(delivered);
        } catch (IOException e) {
            LOG.warn("Recording {} timers acknowledged from the journal in the ledger of delivered timers failed ({}):"
                    + " an index rebuilt from the log would deliver them again", delivered.size(), e.toString());
        }
    }

    private long dropBeyond(long validEnd) {
        List<DueEntry> lost = new ArrayList<>();
        index.forEachPending(e -> {
            if (e.position() >= validEnd) {
                lost.add(e);
            }
        });
        try (IndexBatch b = index.newBatch()) {
            for (DueEntry e : lost) {
                index.forgetTimer(b, e, log.segmentBaseOf(e.position()));
            }
            index.setApplied(b, validEnd, nextSeq);
            index.write(b, true);
        }
        LOG.warn("Timer index was ahead of the timer log (its tail was lost before an fsync): dropped {} timers "
                + "whose records lay beyond position {}", lost.size(), validEnd);
        return lost.size();
    }

    private long replay(long from, long to) throws IOException {
        if (from >= to) {
            return 0;
        }
        long[] count = {0};
        IndexBatch[] batch = {index.newBatch()};
        List<String> damage = new ArrayList<>();
        try {
            log.scan(from, scanned -> {
                apply(batch[0], scanned);
                count[0]++;
                if (count[0] % RECORDS_PER_BATCH == 0) {
                    index.setApplied(batch[0], scanned.end(), nextSeq);
                    index.write(batch[0], false);
                    batch[0].close();
                    batch[0] = index.newBatch();
                }
                return true;
            }, (start, end, what) -> damage.add("positions " + start + " to " + end + ": " + what));
        } catch (CorruptRecordException e) {
            throw new IllegalStateException("timer log record after the applied position is corrupt: " + e
                    .getMessage() + "; the store cannot replay past it", e);
        }
        index.setApplied(batch[0], to, nextSeq);
        index.write(batch[0], true);
        batch[0].close();
        if (!damage.isEmpty()) {
            LOG.warn("Replaying the timer log stepped over {} damaged regions of sealed segments (first: {}); a timer"
                    + " whose record lay there is not pending, and a cancel or reschedule there did not happen. The"
                    + " records around them were replayed. Restore those segments from a backup if they matter"
                    + " (docs/operations.md, \"Corrupt records\")", damage.size(), damage.get(0));
        }
        return count[0];
    }

    private void apply(IndexBatch b, ScannedRecord scanned) {
        LogRecord r = scanned.record();
        switch (r.type()) {
            case TIMER -> addUnlessIndexed(b, scanned);
            case MOVE -> {
                DueEntry e = index.pendingEntry(b, r.topic(), r.uniqKey(), r.seq());
                if (e == null) {
                    // The timer's TIMER record is gone (its segment was compacted and deleted before a rebuild) or
                    // unreadable (a failed fsync's hole, decision 0044): this copy is the timer.
                    addUnlessIndexed(b, scanned);
                } else if (e.position() != scanned.position()) {
                    index.relocate(b, e, scanned.position(), scanned.size(), log.segmentBaseOf(e.position()),
                            log.segmentBaseOf(scanned.position()));
                    if (e.dueMs() != r.dueMs()) {
                        // A move carries the due time the timer had when it was written: a reschedule before it that
                        // the replay did not see (stepped over as damage) is not undone by the older copy.
                        index.changeDue(b, e.withLocation(scanned.position(), scanned.size()), r.dueMs());
                    }
                }
            }
            case CANCEL -> {
                DueEntry e = index.pendingEntry(b, r.topic(), r.uniqKey(), r.seq());
                ParkedTimer parked = e == null ? index.parkedTimer(b, r.topic(), r.seq()) : null;
                if (e != null) {
                    index.keep(b, log.segmentBaseOf(scanned.position()), log.segmentBaseOf(e.position()));
                    index.endTimer(b, e, TimerState.CANCELLED, r.enqueueMs(), log.segmentBaseOf(e.position()));
                } else if (parked != null) { // parking has no record: the cancel of a parked timer is replayed too
                    long target = log.segmentBaseOf(parked.entry().position());
                    index.keep(b, log.segmentBaseOf(scanned.position()), target);
                    index.cancelParked(b, parked.entry(), r.enqueueMs(), target);
                }
            }
            case RESCHEDULE -> {
                DueEntry e = index.pendingEntry(b, r.topic(), r.uniqKey(), r.seq());
                if (e != null) {
                    index.keep(b, log.segmentBaseOf(scanned.position()), log.segmentBaseOf(e.position()));
                    if (e.dueMs() != r.dueMs()) {
                        index.changeDue(b, e, r.dueMs());
                    }
                }
            }
            default -> throw new IllegalStateException("unknown record type " + r.type());
        }
    }

    /**
     * Indexes the timer of a TIMER or MOVE record unless the index knows its sequence in any state (pending,
     * delivered, cancelled: an ended timer is not brought back), holds a copy with its fingerprint (a producer's
     * retry stored twice), or, in a rebuild, the ledger names it as delivered.
     */
    private void addUnlessIndexed(IndexBatch b, ScannedRecord scanned) {
        LogRecord r = scanned.record();
        nextSeq = Math.max(nextSeq, r.seq() + 1);
        if (delivered.length > 0 && Arrays.binarySearch(delivered, r.seq()) >= 0) {
            skippedDelivered++;
            return;
        }
        for (UniqEntry u : index.uniqEntries(b, r.topic(), r.uniqKey())) {
            if (u.seq() == r.seq() || u.fingerprint() == r.fingerprint()) {
                return;
            }
        }
        DueEntry e = new DueEntry(r.dueMs(), r.seq(), scanned.position(), scanned.size(),
                r.message().queueId(), r.topic(), r.uniqKey(), MessageProperties.keys(r.message().properties()));
        index.addTimer(b, e, r.fingerprint(), log.segmentBaseOf(scanned.position()), r.enqueueMs());
    }
}
