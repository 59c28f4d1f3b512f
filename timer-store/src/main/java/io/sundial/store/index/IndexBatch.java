package io.sundial.store.index;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A write batch that remembers its own puts and deletes, so that later changes in the same batch read what
 * earlier ones wrote (two appends of one unique key in one group commit, a replayed cancel after its timer).
 * Counters are not readable here: they are only ever added to. One thread.
 */
public final class IndexBatch implements AutoCloseable {
    private final KeyValueStore store;
    private final KeyValueStore.Batch batch;
    private final Map<Table, Map<ByteBuffer, Optional<byte[]>>> written = new EnumMap<>(Table.class);

    IndexBatch(KeyValueStore store) {
        this.store = store;
        this.batch = store.newBatch();
    }

    byte[] get(Table table, byte[] key) {
        Map<ByteBuffer, Optional<byte[]>> t = written.get(table);
        if (t != null) {
            Optional<byte[]> v = t.get(ByteBuffer.wrap(key));
            if (v != null) {
                return v.orElse(null);
            }
        }
        return store.get(table, key);
    }

    void put(Table table, byte[] key, byte[] value) {
        batch.put(table, key, value);
        written.computeIfAbsent(table, x -> new HashMap<>()).put(ByteBuffer.wrap(key), Optional.of(value));
    }

    void delete(Table table, byte[] key) {
        batch.delete(table, key);
        written.computeIfAbsent(table, x -> new HashMap<>()).put(ByteBuffer.wrap(key), Optional.empty());
    }

    void addCounter(byte[] key, long delta) {
        if (delta != 0) {
            batch.addCounter(key, delta);
        }
    }

    public int size() {
        return batch.size();
    }

    KeyValueStore.Batch raw() {
        return batch;
    }

    @Override
    public void close() {
        batch.close();
    }
}
