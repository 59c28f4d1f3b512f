package io.sundial.store.index;

/**
 * The narrow key-value interface the timer index needs: point reads, ordered range scans within bounds,
 * atomic write batches with 64-bit counters, and a WAL sync. Keys compare as unsigned bytes.
 *
 * <p>Implementations are thread-safe; a {@link Batch} or {@link Cursor} belongs to one thread.
 */
public interface KeyValueStore extends AutoCloseable {

    /** The value of {@code key}, or null. */
    byte[] get(Table table, byte[] key);

    /** The values of {@code keys} (null where absent), in one call. */
    java.util.List<byte[]> multiGet(Table table, java.util.List<byte[]> keys);

    /** A counter's value (the sum of all its merges), or 0 when never written. */
    long counter(byte[] key);

    /** A cursor over keys in {@code [lower, upper)}; {@code upper} null means to the end of the table. */
    Cursor range(Table table, byte[] lower, byte[] upper);

    /** A new, empty batch. */
    Batch newBatch();

    /** Applies {@code batch} atomically; with {@code sync}, the write-ahead log is fsynced first. */
    void write(Batch batch, boolean sync);

    /** Fsyncs the write-ahead log, making every write so far durable. */
    void syncWal();

    /** Bytes the store occupies on disk. */
    long sizeOnDisk();

    @Override
    void close();

    /** Writes applied together by {@link #write}. */
    interface Batch extends AutoCloseable {
        void put(Table table, byte[] key, byte[] value);

        void delete(Table table, byte[] key);

        /** Adds {@code delta} (negative to subtract) to a counter of {@link Table#COUNTER}. */
        void addCounter(byte[] key, long delta);

        /** Number of operations added. */
        int size();

        @Override
        void close();
    }

    /** An ordered cursor; call {@link #next} before reading the first entry. */
    interface Cursor extends AutoCloseable {
        boolean next();

        byte[] key();

        byte[] value();

        @Override
        void close();
    }
}
