package io.sundial.store.index;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The timer indexes on top of a {@link KeyValueStore}: what each change to a timer writes, and the reads the
 * loader, the admin commands and the retry check need.
 *
 * <p>Every change goes into an {@link IndexBatch}; the caller writes the batch together with the log
 * position it has applied ({@link #setApplied}), so the index and its applied position never disagree.
 * Changes read-modify-write the unique-key lists, so callers serialise them (the store holds one lock);
 * reads are thread-safe.
 */
public final class TimerIndex implements AutoCloseable {
    private static final byte[] APPLIED = "appliedPosition".getBytes();
    private static final byte[] NEXT_SEQ = "nextSeq".getBytes();
    private static final byte[] FORMAT = "formatVersion".getBytes();
    private static final long FORMAT_VERSION = 1;

    private final KeyValueStore kv;
    private final long tombstoneRetentionMs;

    public TimerIndex(KeyValueStore kv, long tombstoneRetentionMs) {
        this.kv = kv;
        this.tombstoneRetentionMs = tombstoneRetentionMs;
        byte[] format = kv.get(Table.META, FORMAT);
        if (format == null) {
            try (IndexBatch b = newBatch()) {
                b.put(Table.META, FORMAT, longBytes(FORMAT_VERSION));
                write(b, true);
            }
        } else if (ByteBuffer.wrap(format).getLong() != FORMAT_VERSION) {
            throw new IllegalStateException("index format version " + ByteBuffer.wrap(format).getLong()
                    + " is not supported (expected " + FORMAT_VERSION + ")");
        }
    }

    public IndexBatch newBatch() {
        return new IndexBatch(kv);
    }

    public void write(IndexBatch batch, boolean syncWal) {
        kv.write(batch.raw(), syncWal);
    }

    public void syncWal() {
        kv.syncWal();
    }

    public KeyValueStore store() {
        return kv;
    }

    // ---- meta

    /** The log position up to which every record has been applied to the index. */
    /** Whether this index has never applied any of the log: new, or its directory was lost or moved away. */
    public boolean fresh() {
        return kv.get(Table.META, APPLIED) == null;
    }

    public long appliedPosition() {
        byte[] v = kv.get(Table.META, APPLIED);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    /** The next sequence to assign. */
    public long nextSeq() {
        byte[] v = kv.get(Table.META, NEXT_SEQ);
        return v == null ? 1 : ByteBuffer.wrap(v).getLong();
    }

    public void setApplied(IndexBatch b, long position, long nextSeq) {
        b.put(Table.META, APPLIED, longBytes(position));
        b.put(Table.META, NEXT_SEQ, longBytes(nextSeq));
    }

    // ---- point reads

    public DueEntry getDue(long dueMs, long seq) {
        byte[] key = Keys.due(dueMs, seq);
        byte[] v = kv.get(Table.DUE, key);
        return v == null ? null : DueEntry.decode(key, v);
    }

    public DueEntry getDue(IndexBatch b, long dueMs, long seq) {
        byte[] key = Keys.due(dueMs, seq);
        byte[] v = b.get(Table.DUE, key);
        return v == null ? null : DueEntry.decode(key, v);
    }

    /**
     * Reads the due entries under {@code dueKeys} into {@code b} in one call and returns those still pending (an
     * acknowledgement batch).
     */
    public List<DueEntry> prefetchDue(IndexBatch b, List<byte[]> dueKeys) {
        b.prefetch(Table.DUE, dueKeys);
        List<DueEntry> out = new ArrayList<>(dueKeys.size());
        for (byte[] key : dueKeys) {
            byte[] v = b.get(Table.DUE, key);
            if (v != null) {
                out.add(DueEntry.decode(key, v));
            }
        }
        return out;
    }

    /** Reads the unique-key entries of many timers into {@code b} in one call (a group's retry checks). */
    public void prefetchUniq(IndexBatch b, List<byte[]> uniqKeys) {
        b.prefetch(Table.UNIQ, uniqKeys);
    }

    /** The due entries under {@code dueKeys}, in order, null where none is pending. */
    public List<DueEntry> getDueAll(List<byte[]> dueKeys) {
        List<byte[]> values = kv.multiGet(Table.DUE, dueKeys);
        List<DueEntry> out = new ArrayList<>(dueKeys.size());
        for (int i = 0; i < dueKeys.size(); i++) {
            byte[] v = values.get(i);
            out.add(v == null ? null : DueEntry.decode(dueKeys.get(i), v));
        }
        return out;
    }

    /** Every timer (pending and tombstones) under {@code topic} and {@code uniqKey}. */
    public List<UniqEntry> uniqEntries(String topic, String uniqKey) {
        return UniqEntry.decodeList(kv.get(Table.UNIQ, Keys.uniq(topic, uniqKey)));
    }

    public List<UniqEntry> uniqEntries(IndexBatch b, String topic, String uniqKey) {
        return UniqEntry.decodeList(b.get(Table.UNIQ, Keys.uniq(topic, uniqKey)));
    }

    /**
     * The pending entry of timer {@code seq} (topic and unique key name it), wherever a reschedule has filed it
     * since; null when it is no longer pending.
     */
    public DueEntry pendingEntry(String topic, String uniqKey, long seq) {
        for (UniqEntry u : uniqEntries(topic, uniqKey)) {
            if (u.seq() == seq && u.state() == TimerState.PENDING) {
                return getDue(u.dueMs(), u.seq());
            }
        }
        return null;
    }

    /** {@link #pendingEntry(String, String, long)} as seen by {@code b}, including its own earlier changes. */
    public DueEntry pendingEntry(IndexBatch b, String topic, String uniqKey, long seq) {
        for (UniqEntry u : uniqEntries(b, topic, uniqKey)) {
            if (u.seq() == seq && u.state() == TimerState.PENDING) {
                return getDue(b, u.dueMs(), u.seq());
            }
        }
        return null;
    }

    /** The timer's entry if it is pending or parked (both still to be delivered), else null. */
    public DueEntry liveEntry(String topic, String uniqKey, long seq) {
        DueEntry e = pendingEntry(topic, uniqKey, seq);
        if (e == null) {
            ParkedTimer p = parkedTimer(topic, seq);
            e = p == null ? null : p.entry();
        }
        return e;
    }

    /** {@link #liveEntry(String, String, long)} as seen by {@code b}, including its own earlier changes. */
    public DueEntry liveEntry(IndexBatch b, String topic, String uniqKey, long seq) {
        DueEntry e = pendingEntry(b, topic, uniqKey, seq);
        if (e == null) {
            ParkedTimer p = parkedTimer(b, topic, seq);
            e = p == null ? null : p.entry();
        }
        return e;
    }

    /** The pending timers with a unique key, as due entries. */
    public List<DueEntry> pendingByUniqKey(String topic, String uniqKey) {
        List<DueEntry> out = new ArrayList<>(1);
        for (UniqEntry u : uniqEntries(topic, uniqKey)) {
            if (u.state() == TimerState.PENDING) {
                DueEntry e = getDue(u.dueMs(), u.seq());
                if (e != null) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** The pending timers carrying message key {@code key}, in sequence order. */
    public List<DueEntry> pendingByKey(String topic, String key) {
        byte[] prefix = Keys.keyPrefix(topic, key);
        List<DueEntry> out = new ArrayList<>();
        try (KeyValueStore.Cursor c = kv.range(Table.KEY, prefix, Keys.upperBound(prefix))) {
            while (c.next()) {
                byte[] k = c.key();
                long seq = ByteBuffer.wrap(k).getLong(k.length - 8);
                DueEntry e = getDue(ByteBuffer.wrap(c.value()).getLong(), seq);
                if (e != null) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    // ---- changes

    /** Indexes a new pending timer whose record lies in the segment at {@code segmentBase}. */
    public void addTimer(IndexBatch b, DueEntry e, long fingerprint, long segmentBase, long nowMs) {
        b.put(Table.DUE, e.dueKey(), e.encodeValue());
        b.put(Table.TOPIC, Keys.topic(e.topic(), e.dueMs(), e.seq()), location(e.position(), e.size()));
        for (String key : e.keys()) {
            b.put(Table.KEY, Keys.key(e.topic(), key, e.seq()), longBytes(e.dueMs()));
        }
        byte[] uniqKey = Keys.uniq(e.topic(), e.uniqKey());
        List<UniqEntry> list = UniqEntry.decodeList(b.get(Table.UNIQ, uniqKey));
        list.add(new UniqEntry(e.seq(), e.dueMs(), fingerprint, TimerState.PENDING, nowMs));
        b.put(Table.UNIQ, uniqKey, UniqEntry.encodeList(list));
        count(b, e, +1, segmentBase);
    }

    /**
     * Ends a pending timer (delivered or cancelled): removes it from every index, leaves a tombstone under its
     * unique key for the retention period, and decrements the counters. Returns false if it was not pending.
     */
    public boolean endTimer(IndexBatch b, DueEntry e, TimerState state, long nowMs, long segmentBase) {
        if (state == TimerState.DELIVERED && tombstoneRetentionMs > 0) {
            return deliver(b, e, nowMs, segmentBase);
        }
        return remove(b, e, state, nowMs, segmentBase, tombstoneRetentionMs > 0);
    }

    /**
     * The hot path of delivery: blind writes only. The unique-key entry is left as it is (state PENDING); an entry
     * that says PENDING while its due entry is gone reads as delivered ({@link #isDelivered}), and the expiry
     * record forgets it after the retention, as for other tombstones. This saves a read-modify-write of the
     * unique-key list per delivered timer, the costliest part of an acknowledgement.
     */
    private boolean deliver(IndexBatch b, DueEntry e, long nowMs, long segmentBase) {
        if (b.get(Table.DUE, e.dueKey()) == null) {
            return false;
        }
        removeDelivered(b, e, nowMs, segmentBase);
        return true;
    }

    private void removeDelivered(IndexBatch b, DueEntry e, long nowMs, long segmentBase) {
        b.delete(Table.DUE, e.dueKey());
        b.delete(Table.TOPIC, Keys.topic(e.topic(), e.dueMs(), e.seq()));
        for (String key : e.keys()) {
            b.delete(Table.KEY, Keys.key(e.topic(), key, e.seq()));
        }
        b.put(Table.EXPIRY, Keys.expiry(nowMs + tombstoneRetentionMs, e.seq()), Keys.uniq(e.topic(), e.uniqKey()));
        count(b, e, -1, segmentBase);
    }

    /**
     * Ends a delivered timer known to be pending (its delivery marked it in flight, so nothing changed it since
     * it was read): {@link #endTimer} without reading the due index first.
     */
    public void endDelivered(IndexBatch b, DueEntry e, long nowMs, long segmentBase) {
        if (tombstoneRetentionMs > 0) {
            removeDelivered(b, e, nowMs, segmentBase);
        } else {
            remove(b, e, TimerState.DELIVERED, nowMs, segmentBase, false);
        }
    }

    /** Whether a unique-key entry stands for a delivered timer (see {@link #deliver}). */
    public boolean isDelivered(IndexBatch b, UniqEntry u) {
        return u.state() == TimerState.DELIVERED
                || (u.state() == TimerState.PENDING && b.get(Table.DUE, Keys.due(u.dueMs(), u.seq())) == null);
    }

    /**
     * Removes a timer whose record was lost (it lay beyond the valid end of the log) without a tombstone, so
     * that the producer's retry of it is stored again rather than taken for a duplicate.
     */
    public boolean forgetTimer(IndexBatch b, DueEntry e, long segmentBase) {
        return remove(b, e, TimerState.CANCELLED, 0, segmentBase, false);
    }

    private boolean remove(IndexBatch b, DueEntry e, TimerState state, long nowMs, long segmentBase,
                           boolean tombstone) {
        if (b.get(Table.DUE, e.dueKey()) == null) {
            return false;
        }
        b.delete(Table.DUE, e.dueKey());
        removeEntries(b, e, state, nowMs, segmentBase, tombstone);
        return true;
    }

    /** Everything but the due entry: topic and key entries, the unique-key entry (or its tombstone), counters. */
    private void removeEntries(IndexBatch b, DueEntry e, TimerState state, long nowMs, long segmentBase,
                               boolean tombstone) {
        b.delete(Table.TOPIC, Keys.topic(e.topic(), e.dueMs(), e.seq()));
        for (String key : e.keys()) {
            b.delete(Table.KEY, Keys.key(e.topic(), key, e.seq()));
        }
        byte[] uniqKey = Keys.uniq(e.topic(), e.uniqKey());
        List<UniqEntry> list = UniqEntry.decodeList(b.get(Table.UNIQ, uniqKey));
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).seq() == e.seq()) {
                if (tombstone) {
                    list.set(i, list.get(i).withState(state, nowMs));
                    b.put(Table.EXPIRY, Keys.expiry(nowMs + tombstoneRetentionMs, e.seq()), uniqKey);
                } else {
                    list.remove(i);
                }
                break;
            }
        }
        putUniqList(b, uniqKey, list);
        count(b, e, -1, segmentBase);
    }

    /** Moves a pending timer to a new due time; its record stays where it is. */
    public void changeDue(IndexBatch b, DueEntry e, long newDueMs) {
        DueEntry moved = e.withDue(newDueMs);
        b.delete(Table.DUE, e.dueKey());
        b.put(Table.DUE, moved.dueKey(), moved.encodeValue());
        b.delete(Table.TOPIC, Keys.topic(e.topic(), e.dueMs(), e.seq()));
        b.put(Table.TOPIC, Keys.topic(e.topic(), newDueMs, e.seq()), location(e.position(), e.size()));
        for (String key : e.keys()) {
            b.put(Table.KEY, Keys.key(e.topic(), key, e.seq()), longBytes(newDueMs));
        }
        byte[] uniqKey = Keys.uniq(e.topic(), e.uniqKey());
        List<UniqEntry> list = UniqEntry.decodeList(b.get(Table.UNIQ, uniqKey));
        list.replaceAll(u -> u.seq() == e.seq() ? u.withDue(newDueMs) : u);
        b.put(Table.UNIQ, uniqKey, UniqEntry.encodeList(list));
        b.put(Table.MOVED, Keys.moved(e.seq()), uniqKey);
    }

    /** Points a pending timer at its record's new copy (compaction) and moves the segment counts with it. */
    public void relocate(IndexBatch b, DueEntry e, long newPosition, int newSize, long oldSegment, long newSegment) {
        DueEntry moved = e.withLocation(newPosition, newSize);
        b.put(Table.DUE, moved.dueKey(), moved.encodeValue());
        b.put(Table.TOPIC, Keys.topic(e.topic(), e.dueMs(), e.seq()), location(newPosition, newSize));
        b.addSegmentLive(oldSegment, -1, -e.size());
        b.addSegmentLive(newSegment, 1, newSize);
    }

    /** Forgets a deleted segment's counters. */
    public void dropSegmentCounters(IndexBatch b, long segmentBase) {
        b.delete(Table.COUNTER, Keys.segmentLiveCounter(segmentBase));
        b.delete(Table.COUNTER, Keys.segmentBytesCounter(segmentBase));
        b.delete(Table.COUNTER, Keys.segmentKeepsCounter(segmentBase));
    }

    // ---- segments kept by their change records (decision 0048)

    /**
     * Records that a cancel or reschedule written in the segment at {@code changeSegment} changes a timer whose
     * record lies in the segment at {@code targetSegment}: an index rebuilt from the log needs the change as long as
     * that record is there, so the change's segment is kept until the target's is deleted.
     */
    public void keep(IndexBatch b, long changeSegment, long targetSegment) {
        if (changeSegment != targetSegment) {
            b.addCounter(Keys.keptByCounter(targetSegment, changeSegment), 1);
            b.addCounter(Keys.segmentKeepsCounter(changeSegment), 1);
        }
    }

    /** How many of the segment's change records still change a timer whose record lies in another segment. */
    public long segmentKeeps(long segmentBase) {
        return kv.counter(Keys.segmentKeepsCounter(segmentBase));
    }

    /** Lets go of what kept segments for targets that are no longer in {@code existing}; returns how many. */
    public long releaseKeptFor(IndexBatch b, Set<Long> existing) {
        return releaseKept(b, pair -> !existing.contains(Keys.targetSegmentOf(pair)));
    }

    /** Lets go of everything that keeps the segment at {@code kept}: its change records were copied forward. */
    public void releaseKeptSegment(IndexBatch b, long kept) {
        releaseKept(b, pair -> Keys.keptSegmentOf(pair) == kept);
    }

    /** Deletes the {@link Keys#keptByCounter} pairs {@code which} picks, and their counts from their kept segments. */
    private long releaseKept(IndexBatch b, Predicate<byte[]> which) {
        long released = 0;
        for (Map.Entry<byte[], Long> pair : keptBy().entrySet()) {
            if (which.test(pair.getKey())) {
                b.delete(Table.COUNTER, pair.getKey());
                b.addCounter(Keys.segmentKeepsCounter(Keys.keptSegmentOf(pair.getKey())), -pair.getValue());
                released += pair.getValue();
            }
        }
        return released;
    }

    /** Every {@link Keys#keptByCounter} with its count: one per pair of segments, so few. */
    private Map<byte[], Long> keptBy() {
        Map<byte[], Long> out = new LinkedHashMap<>();
        byte[] prefix = Keys.keptByPrefix();
        try (KeyValueStore.Cursor c = kv.range(Table.COUNTER, prefix, Keys.upperBound(prefix))) {
            while (c.next()) {
                long n = Counters.decode(c.value());
                if (n != 0) {
                    out.put(c.key(), n);
                }
            }
        }
        return out;
    }

    /**
     * Holds a pending timer back after a permanent delivery failure: it leaves the due index (the loader never
     * sees it again) but keeps its topic, key and unique-key entries, and is still counted as pending.
     * Returns false if it was not pending under that due time.
     */
    public boolean park(IndexBatch b, DueEntry e, String reason, long nowMs) {
        if (b.get(Table.DUE, e.dueKey()) == null) {
            return false;
        }
        b.delete(Table.DUE, e.dueKey());
        b.put(Table.PARKED, Keys.parked(e.topic(), e.seq()), parkedValue(e, nowMs, reason));
        setUniqState(b, e, TimerState.PARKED, nowMs);
        b.put(Table.MOVED, Keys.moved(e.seq()), Keys.uniq(e.topic(), e.uniqKey()));
        b.addCounter(Keys.parkedCounter(), 1);
        return true;
    }

    private static byte[] parkedValue(DueEntry e, long parkedAtMs, String reason) {
        byte[] r = Keys.utf8(reason.length() > 1000 ? reason.substring(0, 1000) : reason);
        byte[] value = e.encodeValue();
        return ByteBuffer.allocate(8 + 8 + 4 + r.length + value.length)
                .putLong(e.dueMs()).putLong(parkedAtMs).putInt(r.length).put(r).put(value).array();
    }

    /** {@link #relocate} for a parked timer: it stays parked, at its record's new copy. */
    public void relocateParked(IndexBatch b, ParkedTimer p, long newPosition, int newSize, long oldSegment,
                               long newSegment) {
        DueEntry e = p.entry();
        b.put(Table.PARKED, Keys.parked(e.topic(), e.seq()),
                parkedValue(e.withLocation(newPosition, newSize), p.parkedAtMs(), p.reason()));
        b.put(Table.TOPIC, Keys.topic(e.topic(), e.dueMs(), e.seq()), location(newPosition, newSize));
        b.addSegmentLive(oldSegment, -1, -e.size());
        b.addSegmentLive(newSegment, 1, newSize);
    }

    /**
     * Cancels a parked timer: out of the parked table and, as {@link #endTimer} does for a pending one, out of
     * every other index, leaving a tombstone. Returns false if it was not parked.
     */
    public boolean cancelParked(IndexBatch b, DueEntry e, long nowMs, long segmentBase) {
        byte[] key = Keys.parked(e.topic(), e.seq());
        if (b.get(Table.PARKED, key) == null) {
            return false;
        }
        b.delete(Table.PARKED, key);
        b.addCounter(Keys.parkedCounter(), -1);
        removeEntries(b, e, TimerState.CANCELLED, nowMs, segmentBase, tombstoneRetentionMs > 0);
        return true;
    }

    /** The parked timer {@code seq} of {@code topic}, or null. */
    public ParkedTimer parkedTimer(String topic, long seq) {
        byte[] v = kv.get(Table.PARKED, Keys.parked(topic, seq));
        return v == null ? null : ParkedTimer.decode(topic, seq, v);
    }

    public ParkedTimer parkedTimer(IndexBatch b, String topic, long seq) {
        byte[] v = b.get(Table.PARKED, Keys.parked(topic, seq));
        return v == null ? null : ParkedTimer.decode(topic, seq, v);
    }

    // ---- admin look-ups: pending and parked timers

    /**
     * The timer the id {@code (dueMs, seq)} names, pending or parked, also after a reschedule moved it; null when
     * it is no longer in the store (delivered, cancelled) or never was.
     */
    public StoredTimer locate(long dueMs, long seq) {
        DueEntry e = getDue(dueMs, seq);
        if (e != null) {
            return new StoredTimer(e, false);
        }
        byte[] uniqKey = kv.get(Table.MOVED, Keys.moved(seq));
        if (uniqKey == null) {
            return null;
        }
        String[] topicAndKey = Keys.ofUniq(uniqKey);
        for (StoredTimer t : locateByUniqKey(topicAndKey[0], topicAndKey[1])) {
            if (t.entry().seq() == seq) {
                return t;
            }
        }
        return null;
    }

    /** The pending and parked timers with a unique key. */
    public List<StoredTimer> locateByUniqKey(String topic, String uniqKey) {
        List<StoredTimer> out = new ArrayList<>(1);
        for (UniqEntry u : uniqEntries(topic, uniqKey)) {
            if (u.state() == TimerState.PENDING) {
                DueEntry e = getDue(u.dueMs(), u.seq());
                if (e != null) {
                    out.add(new StoredTimer(e, false));
                }
            } else if (u.state() == TimerState.PARKED) {
                ParkedTimer p = parkedTimer(topic, u.seq());
                if (p != null) {
                    out.add(new StoredTimer(p.entry(), true));
                }
            }
        }
        return out;
    }

    /** The pending and parked timers carrying message key {@code key}, in sequence order, at most {@code limit}. */
    public List<StoredTimer> locateByKey(String topic, String key, int limit) {
        byte[] prefix = Keys.keyPrefix(topic, key);
        List<StoredTimer> out = new ArrayList<>();
        try (KeyValueStore.Cursor c = kv.range(Table.KEY, prefix, Keys.upperBound(prefix))) {
            while (out.size() < limit && c.next()) {
                byte[] k = c.key();
                StoredTimer t = storedAt(topic, ByteBuffer.wrap(c.value()).getLong(), ByteBuffer.wrap(k).getLong(
                        k.length - 8));
                if (t != null) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** The timer {@code seq} of {@code topic}: pending under {@code dueMs}, else parked; null if neither. */
    private StoredTimer storedAt(String topic, long dueMs, long seq) {
        DueEntry e = getDue(dueMs, seq);
        if (e != null) {
            return new StoredTimer(e, false);
        }
        ParkedTimer p = parkedTimer(topic, seq);
        return p == null ? null : new StoredTimer(p.entry(), true);
    }

    // ---- paused topics

    public void setPaused(IndexBatch b, String topic, boolean paused, long nowMs) {
        if (paused) {
            b.put(Table.PAUSED, Keys.utf8(topic), longBytes(nowMs));
        } else {
            b.delete(Table.PAUSED, Keys.utf8(topic));
        }
    }

    /** Paused topics, each with when it was paused. */
    public Map<String, Long> pausedTopics() {
        Map<String, Long> out = new LinkedHashMap<>();
        try (KeyValueStore.Cursor c = kv.range(Table.PAUSED, null, null)) {
            while (c.next()) {
                out.put(new String(c.key(), java.nio.charset.StandardCharsets.UTF_8),
                        ByteBuffer.wrap(c.value()).getLong());
            }
        }
        return out;
    }

    /** Puts a parked timer back in the due index (due as before, so usually at once). Null if not parked. */
    public DueEntry release(IndexBatch b, String topic, long seq, long nowMs) {
        byte[] key = Keys.parked(topic, seq);
        byte[] v = b.get(Table.PARKED, key);
        if (v == null) {
            return null;
        }
        ParkedTimer p = ParkedTimer.decode(topic, seq, v);
        b.delete(Table.PARKED, key);
        b.put(Table.DUE, p.entry().dueKey(), p.entry().encodeValue());
        setUniqState(b, p.entry(), TimerState.PENDING, nowMs);
        b.addCounter(Keys.parkedCounter(), -1);
        return p.entry();
    }

    /** A topic's parked timers in sequence order, at most {@code limit}. */
    public List<ParkedTimer> parked(String topic, int limit) {
        byte[] prefix = Keys.topicPrefix(topic);
        List<ParkedTimer> out = new ArrayList<>();
        try (KeyValueStore.Cursor c = kv.range(Table.PARKED, prefix, Keys.upperBound(prefix))) {
            while (out.size() < limit && c.next()) {
                byte[] k = c.key();
                out.add(ParkedTimer.decode(topic, ByteBuffer.wrap(k).getLong(k.length - 8), c.value()));
            }
        }
        return out;
    }

    /** Parked timers of every topic, by topic then sequence, at most {@code limit}. */
    public List<ParkedTimer> parkedAll(int limit) {
        List<ParkedTimer> out = new ArrayList<>();
        try (KeyValueStore.Cursor c = kv.range(Table.PARKED, null, null)) {
            while (out.size() < limit && c.next()) {
                byte[] k = c.key();
                ByteBuffer kb = ByteBuffer.wrap(k);
                byte[] topic = new byte[kb.getShort() & 0xFFFF];
                kb.get(topic);
                out.add(ParkedTimer.decode(new String(topic, java.nio.charset.StandardCharsets.UTF_8),
                        kb.getLong(), c.value()));
            }
        }
        return out;
    }

    public long parkedTotal() {
        return kv.counter(Keys.parkedCounter());
    }

    private static void setUniqState(IndexBatch b, DueEntry e, TimerState state, long nowMs) {
        byte[] uniqKey = Keys.uniq(e.topic(), e.uniqKey());
        List<UniqEntry> list = UniqEntry.decodeList(b.get(Table.UNIQ, uniqKey));
        list.replaceAll(u -> u.seq() == e.seq() ? u.withState(state, nowMs) : u);
        b.put(Table.UNIQ, uniqKey, UniqEntry.encodeList(list));
    }

    /** What one call of {@link #expireTombstones} did, and where the next call should start. */
    public record Expired(int count, byte[] nextFrom) {
    }

    /**
     * Removes tombstones whose retention ended before {@code nowMs}, at most {@code limit}, starting at expiry key
     * {@code from} (null: the first). The answer's {@code nextFrom} lies just past the last one removed, so that a
     * caller expiring in chunks does not walk again over the deletions of its earlier chunks.
     */
    public Expired expireTombstones(IndexBatch b, long nowMs, byte[] from, int limit) {
        int expired = 0;
        byte[] last = null;
        try (KeyValueStore.Cursor c = kv.range(Table.EXPIRY, from, Keys.expiry(nowMs, 0))) {
            while (expired < limit && c.next()) {
                last = c.key();
                long seq = Keys.seqOf(last);
                byte[] uniqKey = c.value();
                List<UniqEntry> list = UniqEntry.decodeList(b.get(Table.UNIQ, uniqKey));
                // Only ended timers get an expiry record; a delivered one may still read PENDING (see deliver).
                list.removeIf(u -> u.seq() == seq && u.state() != TimerState.PARKED
                        && b.get(Table.DUE, Keys.due(u.dueMs(), u.seq())) == null);
                putUniqList(b, uniqKey, list);
                b.delete(Table.MOVED, Keys.moved(seq));
                b.delete(Table.EXPIRY, last);
                expired++;
            }
        }
        return new Expired(expired, last == null ? from : java.util.Arrays.copyOf(last, last.length + 1));
    }

    private static void putUniqList(IndexBatch b, byte[] uniqKey, List<UniqEntry> list) {
        if (list.isEmpty()) {
            b.delete(Table.UNIQ, uniqKey);
        } else {
            b.put(Table.UNIQ, uniqKey, UniqEntry.encodeList(list));
        }
    }

    private static void count(IndexBatch b, DueEntry e, int sign, long segmentBase) {
        b.addPending(e.topic(), sign);
        b.addSegmentLive(segmentBase, sign, (long) sign * e.size());
    }

    // ---- scans

    /**
     * Pending timers in due order strictly after the cursor {@code (afterDueMs, afterSeq)} and due at or
     * before {@code maxDueMs}, at most {@code limit}. The cursor is the iterator's lower bound, so the
     * deleted head of the queue is never walked.
     */
    public List<DueEntry> scanDue(long afterDueMs, long afterSeq, long maxDueMs, int limit) {
        List<DueEntry> out = new ArrayList<>(Math.min(limit, 4096));
        byte[] lower = afterSeq == Long.MAX_VALUE ? Keys.due(afterDueMs + 1, 0) : Keys.due(afterDueMs, afterSeq + 1);
        byte[] upper = maxDueMs == Long.MAX_VALUE ? null : Keys.due(maxDueMs + 1, 0);
        try (KeyValueStore.Cursor c = kv.range(Table.DUE, lower, upper)) {
            while (out.size() < limit && c.next()) {
                out.add(DueEntry.decode(c.key(), c.value()));
            }
        }
        return out;
    }

    /** Visits every pending timer in due order (recovery only: this is a full scan). */
    public void forEachPending(Consumer<DueEntry> visitor) {
        try (KeyValueStore.Cursor c = kv.range(Table.DUE, null, null)) {
            while (c.next()) {
                visitor.accept(DueEntry.decode(c.key(), c.value()));
            }
        }
    }

    /**
     * One page of a topic's pending timers in due order, due in {@code [fromDueMs, toDueMs]} and after the
     * cursor {@code (afterDueMs, afterSeq)} if given. Only the topic's own keys are read.
     */
    public TopicPage listTopic(String topic, long fromDueMs, long toDueMs, long afterDueMs, long afterSeq,
                               int limit) {
        List<DueEntry> entries = new ArrayList<>(Math.min(limit, 1024));
        long[] rows = new long[1];
        boolean more = scanTopic(topic, fromDueMs, toDueMs, afterDueMs, afterSeq, rows, (due, seq) -> {
            if (entries.size() == limit) {
                return false;
            }
            DueEntry e = getDue(due, seq);
            if (e != null) {
                entries.add(e);
            }
            return true;
        });
        return new TopicPage(entries, more, rows[0]);
    }

    /**
     * {@link #listTopic} for admin commands: parked timers are listed too, in their place. Returns the page and
     * whether more timers follow.
     */
    public boolean listTopicTimers(String topic, long fromDueMs, long toDueMs, long afterDueMs, long afterSeq,
                                   int limit, List<StoredTimer> out) {
        return scanTopic(topic, fromDueMs, toDueMs, afterDueMs, afterSeq, new long[1], (due, seq) -> {
            if (out.size() == limit) {
                return false;
            }
            StoredTimer t = storedAt(topic, due, seq);
            if (t != null) {
                out.add(t);
            }
            return true;
        });
    }

    /**
     * Counts a topic's pending timers (parked ones included) by due time: {@code counts[i]} those due before
     * {@code bounds[i]} and at or after {@code bounds[i - 1]}, the last slot those at or after the last bound.
     * Reads every key of the topic: for admin commands.
     */
    public long[] countTopicByDue(String topic, long[] bounds) {
        long[] counts = new long[bounds.length + 1];
        int[] slot = {0};
        scanTopic(topic, 0, Long.MAX_VALUE, -1, 0, new long[1], (due, seq) -> {
            while (slot[0] < bounds.length && due >= bounds[slot[0]]) {
                slot[0]++;
            }
            counts[slot[0]]++;
            return true;
        });
        return counts;
    }

    private interface TopicVisitor {
        /** Takes one row; false stops the scan before this row (it counts as "more"). */
        boolean visit(long dueMs, long seq);
    }

    /** Walks a topic's keys in due order within the bounds and after the cursor; true if stopped with rows left. */
    private boolean scanTopic(String topic, long fromDueMs, long toDueMs, long afterDueMs, long afterSeq,
                              long[] rows, TopicVisitor visitor) {
        byte[] lower;
        if (afterDueMs >= 0 && afterDueMs >= fromDueMs) {
            lower = afterSeq == Long.MAX_VALUE ? Keys.topic(topic, afterDueMs + 1, 0)
                    : Keys.topic(topic, afterDueMs, afterSeq + 1);
        } else {
            lower = Keys.topic(topic, Math.max(0, fromDueMs), 0);
        }
        byte[] upper = toDueMs == Long.MAX_VALUE ? Keys.upperBound(Keys.topicPrefix(topic))
                : Keys.topic(topic, toDueMs + 1, 0);
        try (KeyValueStore.Cursor c = kv.range(Table.TOPIC, lower, upper)) {
            while (c.next()) {
                rows[0]++;
                byte[] k = c.key();
                ByteBuffer kb = ByteBuffer.wrap(k);
                if (!visitor.visit(kb.getLong(k.length - 16), kb.getLong(k.length - 8))) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- counters

    public long pendingTotal() {
        return kv.counter(Keys.totalCounter());
    }

    public long pending(String topic) {
        return kv.counter(Keys.topicCounter(topic));
    }

    /** Pending count per topic, topics with none left out. */
    public Map<String, Long> pendingByTopic() {
        Map<String, Long> out = new LinkedHashMap<>();
        byte[] prefix = Keys.topicCounterPrefix();
        try (KeyValueStore.Cursor c = kv.range(Table.COUNTER, prefix, Keys.upperBound(prefix))) {
            while (c.next()) {
                long n = Counters.decode(c.value());
                if (n != 0) {
                    out.put(Keys.topicOfCounter(c.key()), n);
                }
            }
        }
        return out;
    }

    public long segmentLive(long segmentBase) {
        return kv.counter(Keys.segmentLiveCounter(segmentBase));
    }

    public long segmentLiveBytes(long segmentBase) {
        return kv.counter(Keys.segmentBytesCounter(segmentBase));
    }

    private static byte[] location(long position, int size) {
        return ByteBuffer.allocate(12).putLong(position).putInt(size).array();
    }

    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    @Override
    public void close() {
        kv.close();
    }
}
