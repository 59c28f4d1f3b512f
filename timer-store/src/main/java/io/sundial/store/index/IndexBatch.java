package io.sundial.store.index;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A write batch that remembers its own puts and deletes, so that later changes in the same batch read what
 * earlier ones wrote (two appends of one unique key in one group commit, a replayed cancel after its timer).
 * Counters are not readable here: they are only ever added to, and a batch writes one merge per counter
 * however many changes touched it. One thread.
 */
public final class IndexBatch implements AutoCloseable {
    /** Tables whose entries later changes in the same batch read back; others are only written. */
    private static final Set<Table> READ_BACK = EnumSet.of(Table.UNIQ, Table.DUE);

    private final KeyValueStore store;
    private final KeyValueStore.Batch batch;
    private final Map<Table, Map<ByteBuffer, Optional<byte[]>>> written = new EnumMap<>(Table.class);
    private final Map<Table, Map<ByteBuffer, Optional<byte[]>>> prefetched = new EnumMap<>(Table.class);
    private final Map<ByteBuffer, long[]> counterDeltas = new HashMap<>();
    /**
     * Pending timers added per topic. This and the next two hold the counters every timer change touches, summed by
     * topic and by segment, so that their keys are built once per batch, not once per timer (that was a fifth of an
     * acknowledgement's CPU in a burst, JFR).
     */
    private final Map<String, long[]> topicDeltas = new HashMap<>();
    /** {@code [live timers, live bytes]} added per segment base. */
    private final Map<Long, long[]> segmentDeltas = new HashMap<>();
    private long totalDelta;

    IndexBatch(KeyValueStore store) {
        this.store = store;
        this.batch = store.newBatch();
    }

    byte[] get(Table table, byte[] key) {
        ByteBuffer k = ByteBuffer.wrap(key);
        Optional<byte[]> v = lookup(written, table, k);
        if (v == null) {
            v = lookup(prefetched, table, k);
        }
        return v != null ? v.orElse(null) : store.get(table, key);
    }

    private static Optional<byte[]> lookup(Map<Table, Map<ByteBuffer, Optional<byte[]>>> maps, Table table,
                                           ByteBuffer key) {
        Map<ByteBuffer, Optional<byte[]>> t = maps.get(table);
        return t == null ? null : t.get(key);
    }

    /** Reads {@code keys} from the store in one call, so that later {@link #get}s of them cost no lookup. */
    void prefetch(Table table, List<byte[]> keys) {
        List<byte[]> missing = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            if (lookup(written, table, ByteBuffer.wrap(key)) == null) {
                missing.add(key);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        List<byte[]> values = store.multiGet(table, missing);
        Map<ByteBuffer, Optional<byte[]>> t = prefetched.computeIfAbsent(table, x -> new HashMap<>());
        for (int i = 0; i < missing.size(); i++) {
            t.put(ByteBuffer.wrap(missing.get(i)), Optional.ofNullable(values.get(i)));
        }
    }

    void put(Table table, byte[] key, byte[] value) {
        batch.put(table, key, value);
        if (READ_BACK.contains(table)) {
            written.computeIfAbsent(table, x -> new HashMap<>()).put(ByteBuffer.wrap(key), Optional.of(value));
        }
    }

    void delete(Table table, byte[] key) {
        batch.delete(table, key);
        if (READ_BACK.contains(table)) {
            written.computeIfAbsent(table, x -> new HashMap<>()).put(ByteBuffer.wrap(key), Optional.empty());
        }
    }

    /** Adds to a counter; deltas to one counter are summed and written as one merge when the batch is. */
    void addCounter(byte[] key, long delta) {
        counterDeltas.computeIfAbsent(ByteBuffer.wrap(key), k -> new long[1])[0] += delta;
    }

    /** Adds {@code delta} timers to {@code topic}'s pending count and to the total. */
    void addPending(String topic, long delta) {
        topicDeltas.computeIfAbsent(topic, t -> new long[1])[0] += delta;
        totalDelta += delta;
    }

    /** Adds to a log segment's live timers and live bytes. */
    void addSegmentLive(long segmentBase, long timers, long bytes) {
        long[] d = segmentDeltas.computeIfAbsent(segmentBase, b -> new long[2]);
        d[0] += timers;
        d[1] += bytes;
    }

    public int size() {
        return batch.size() + counterDeltas.size() + topicDeltas.size() + 2 * segmentDeltas.size()
                + (totalDelta == 0 ? 0 : 1);
    }

    /** The batch to write, with the summed counter deltas added. Call once, just before writing. */
    KeyValueStore.Batch raw() {
        topicDeltas.forEach((topic, d) -> addCounter(Keys.topicCounter(topic), d[0]));
        segmentDeltas.forEach((base, d) -> {
            addCounter(Keys.segmentLiveCounter(base), d[0]);
            addCounter(Keys.segmentBytesCounter(base), d[1]);
        });
        if (totalDelta != 0) {
            addCounter(Keys.totalCounter(), totalDelta);
        }
        topicDeltas.clear();
        segmentDeltas.clear();
        totalDelta = 0;
        for (Map.Entry<ByteBuffer, long[]> e : counterDeltas.entrySet()) {
            if (e.getValue()[0] != 0) {
                batch.addCounter(e.getKey().array(), e.getValue()[0]);
            }
        }
        counterDeltas.clear();
        return batch;
    }

    @Override
    public void close() {
        batch.close();
    }
}
