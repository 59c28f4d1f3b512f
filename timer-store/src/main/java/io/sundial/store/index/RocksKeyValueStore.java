package io.sundial.store.index;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Env;
import org.rocksdb.FlushOptions;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.Priority;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.SstFileManager;
import org.rocksdb.TablePropertiesCollectorFactory;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@link KeyValueStore} on RocksDB, tuned for a queue that is deleted from its head.
 *
 * <ul>
 *   <li>One LRU block cache shared by every column family, and a write-buffer manager that charges memtables
 *       to that cache, so the whole index stays within one memory budget ({@code indexMemoryBudget}).</li>
 *   <li>The due table collects deletion statistics per file and compacts files dense with deletions, so the
 *       loader's scans from the head do not wade through tombstones (compact-on-deletion).</li>
 *   <li>Counters use the built-in {@code uint64add} merge operator: no read-modify-write on the hot path.</li>
 *   <li>Plain deletes only: single-delete is undefined for keys written more than once, as reschedule and
 *       compaction do.</li>
 *   <li>Compaction threads (RocksDB's low-priority pool, process-wide) run at the lowest CPU priority.</li>
 * </ul>
 * Every {@link RocksDBException} is wrapped in an {@link IndexException} naming the operation. Thread-safe.
 */
public final class RocksKeyValueStore implements KeyValueStore {
    static {
        RocksDB.loadLibrary();
        // Compactions run on the lowest CPU priority (nice 19), so that they take what the deliveries, the broker
        // and the consumer leave of the cores instead of stretching a burst (decision 0029). Flushes keep theirs.
        Env.getDefault().lowerThreadPoolCPUPriority(Priority.LOW);
    }

    private final Path dir;
    private final LRUCache cache;
    private final WriteBufferManager writeBufferManager;
    private final BloomFilter bloomFilter;
    private final DBOptions dbOptions;
    private final SstFileManager sstFiles;
    private final List<ColumnFamilyOptions> cfOptions = new ArrayList<>();
    private final List<AutoCloseable> factories = new ArrayList<>();
    private final Map<Table, ColumnFamilyHandle> handles = new EnumMap<>(Table.class);
    private final WriteOptions noSync;
    private final WriteOptions sync;
    private final RocksDB db;
    private volatile boolean closed;

    /**
     * Opens (or creates) the index in {@code dir} with a memory budget of {@code memoryBudgetBytes} for block
     * cache and memtables together. A failure closes whatever was opened.
     */
    public RocksKeyValueStore(Path dir, long memoryBudgetBytes) {
        this(dir, memoryBudgetBytes, 0);
    }

    /**
     * As above, with RocksDB's own files capped at {@code maxDiskBytes} (0: no cap). Past the cap a flush fails and
     * writes fail with "Max allowed space was reached" ({@link IndexException#outOfSpace()}) until there is room;
     * RocksDB then resumes by itself. The file manager is there even without a cap: with it, RocksDB also recovers
     * by itself from a real ENOSPC once space is freed.
     */
    public RocksKeyValueStore(Path dir, long memoryBudgetBytes, long maxDiskBytes) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IndexException("create directory " + dir, e);
        }
        // Index and filter blocks go to the high-priority pool so that memtables charged to the cache and data
        // blocks do not evict them: without it, point reads at 1M pending cost 25x more.
        cache = new LRUCache(memoryBudgetBytes, -1, false, 0.5);
        writeBufferManager = new WriteBufferManager(memoryBudgetBytes / 2, cache);
        bloomFilter = new BloomFilter(10, false);
        try {
            sstFiles = new SstFileManager(Env.getDefault());
        } catch (RocksDBException e) {
            throw new IndexException("create the SST file manager", e);
        }
        if (maxDiskBytes > 0) {
            sstFiles.setMaxAllowedSpaceUsage(maxDiskBytes);
        }
        dbOptions = new DBOptions()
                .setSstFileManager(sstFiles)
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setWriteBufferManager(writeBufferManager)
                .setMaxBackgroundJobs(2)
                .setKeepLogFileNum(5)
                .setMaxTotalWalSize(memoryBudgetBytes);
        noSync = new WriteOptions().setSync(false);
        sync = new WriteOptions().setSync(true);
        RocksDB opened = null;
        try {
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, options(null)));
            for (Table table : Table.values()) {
                descriptors.add(new ColumnFamilyDescriptor(table.cfName().getBytes(), options(table)));
            }
            List<ColumnFamilyHandle> list = new ArrayList<>();
            opened = RocksDB.open(dbOptions, dir.toString(), descriptors, list);
            for (Table table : Table.values()) {
                handles.put(table, list.get(table.ordinal() + 1));
            }
            list.get(0).close(); // the default family is unused
            db = opened;
        } catch (RocksDBException | RuntimeException e) {
            handles.values().forEach(ColumnFamilyHandle::close);
            if (opened != null) {
                opened.close();
            }
            closeOptions();
            throw e instanceof RocksDBException r ? new IndexException("open " + dir, r) : (RuntimeException) e;
        }
    }

    private ColumnFamilyOptions options(Table table) {
        BlockBasedTableConfig tableConfig = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setFilterPolicy(bloomFilter)
                .setCacheIndexAndFilterBlocks(true)
                .setCacheIndexAndFilterBlocksWithHighPriority(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                // Partitioned: a point read loads a 4 KiB piece of a large file's index and filter, not all of
                // them (megabytes at a million keys), which a 64 MiB cache could not keep (decision 0033).
                .setIndexType(IndexType.kTwoLevelIndexSearch)
                .setPartitionFilters(true)
                .setMetadataBlockSize(4096)
                .setPinTopLevelIndexAndFilter(true)
                .setBlockSize(16 * 1024);
        ColumnFamilyOptions o;
        if (table == Table.DUE || table == Table.TOPIC || table == Table.EXPIRY) {
            // Deleted from the head like a queue: compact a file once a 128-key window holds 64 deletions.
            // rocksdbjni exposes collector factories only on Options; the copy constructor carries them over.
            TablePropertiesCollectorFactory onDeletion =
                    TablePropertiesCollectorFactory.NewCompactOnDeletionCollectorFactory(128, 64, 0.5);
            factories.add(onDeletion);
            try (Options carrier = new Options()) {
                carrier.setTablePropertiesCollectorFactory(List.of(onDeletion));
                o = new ColumnFamilyOptions(carrier);
            }
        } else {
            o = new ColumnFamilyOptions();
        }
        o.setTableFormatConfig(tableConfig)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setWriteBufferSize(16L << 20)
                .setMaxWriteBufferNumber(3)
                .setLevelCompactionDynamicLevelBytes(true);
        if (table == Table.UNIQ) {
            // Nearly every retry check misses: a memtable bloom filter answers those without a skiplist walk.
            o.setMemtablePrefixBloomSizeRatio(0.1).setMemtableWholeKeyFiltering(true);
        }
        if (table == Table.COUNTER) {
            UInt64AddOperator add = new UInt64AddOperator();
            factories.add(add);
            o.setMergeOperator(add);
        }
        cfOptions.add(o);
        return o;
    }

    @Override
    public byte[] get(Table table, byte[] key) {
        try {
            return db.get(handles.get(table), key);
        } catch (RocksDBException e) {
            throw new IndexException("get from " + table.cfName(), e);
        }
    }

    @Override
    public List<byte[]> multiGet(Table table, List<byte[]> keys) {
        if (keys.isEmpty()) {
            return new ArrayList<>(0); // RocksJava asserts a non-empty list
        }
        ColumnFamilyHandle h = handles.get(table);
        List<ColumnFamilyHandle> cfs = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            cfs.add(h);
        }
        try {
            return db.multiGetAsList(cfs, keys);
        } catch (RocksDBException e) {
            throw new IndexException("multi-get of " + keys.size() + " keys from " + table.cfName(), e);
        }
    }

    @Override
    public long counter(byte[] key) {
        byte[] value = get(Table.COUNTER, key);
        return value == null ? 0 : Counters.decode(value);
    }

    @Override
    public Cursor range(Table table, byte[] lower, byte[] upper) {
        return new RocksCursor(db, handles.get(table), lower, upper);
    }

    @Override
    public Batch newBatch() {
        return new RocksBatch();
    }

    @Override
    public void write(Batch batch, boolean syncWal) {
        try {
            db.write(syncWal ? sync : noSync, ((RocksBatch) batch).batch);
        } catch (RocksDBException e) {
            throw new IndexException("write batch of " + batch.size() + " operations", e);
        }
    }

    @Override
    public void syncWal() {
        try {
            db.syncWal();
        } catch (RocksDBException e) {
            throw new IndexException("WAL sync", e);
        }
    }

    /** Flushes memtables to files (used before a clean stop so that the next open replays no WAL). */
    public void flushMemtables() {
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            db.flush(fo, new ArrayList<>(handles.values()));
        } catch (RocksDBException e) {
            throw new IndexException("memtable flush", e);
        }
    }

    /**
     * Writes a consistent copy of the database to {@code dir} (which must not exist): its files hard-linked where
     * {@code dir} is on the same file system, its memtables flushed first (RocksDB's checkpoint).
     */
    public void checkpoint(Path dir) {
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(dir.toString());
        } catch (RocksDBException e) {
            throw new IndexException("checkpoint to " + dir, e);
        }
    }

    @Override
    public long sizeOnDisk() {
        // A directory stream, not Files.walk: the walk reads each entry's attributes and throws when RocksDB deletes
        // a file (a rolled WAL, a compacted SST) between listing and reading — seen under write load.
        long total = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                try {
                    total += Files.size(p);
                } catch (IOException e) {
                    // deleted meanwhile: it no longer takes space
                }
            }
            return total;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Memory the block cache (with charged memtables) uses now. */
    public long cacheUsage() {
        return cache.getUsage();
    }

    /** Closes the database, then its options, in reverse order of creation. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        handles.values().forEach(ColumnFamilyHandle::close);
        db.close();
        closeOptions();
    }

    private void closeOptions() {
        noSync.close();
        sync.close();
        dbOptions.close();
        cfOptions.forEach(ColumnFamilyOptions::close);
        for (AutoCloseable f : factories) {
            try {
                f.close();
            } catch (Exception ignored) {
                // native handles only; nothing to report
            }
        }
        bloomFilter.close();
        sstFiles.close();
        writeBufferManager.close();
        cache.close();
    }

    private final class RocksBatch implements Batch {
        private final WriteBatch batch = new WriteBatch();
        private int size;

        @Override
        public void put(Table table, byte[] key, byte[] value) {
            try {
                batch.put(handles.get(table), key, value);
                size++;
            } catch (RocksDBException e) {
                throw new IndexException("batch put to " + table.cfName(), e);
            }
        }

        @Override
        public void delete(Table table, byte[] key) {
            try {
                batch.delete(handles.get(table), key);
                size++;
            } catch (RocksDBException e) {
                throw new IndexException("batch delete from " + table.cfName(), e);
            }
        }

        @Override
        public void addCounter(byte[] key, long delta) {
            try {
                batch.merge(handles.get(Table.COUNTER), key, Counters.encode(delta));
                size++;
            } catch (RocksDBException e) {
                throw new IndexException("batch merge of counter", e);
            }
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public void close() {
            batch.close();
        }
    }

    private static final class RocksCursor implements Cursor {
        private final ReadOptions readOptions;
        private final Slice lower;
        private final Slice upper;
        private final RocksIterator it;
        private boolean started;

        RocksCursor(RocksDB db, ColumnFamilyHandle cf, byte[] lowerKey, byte[] upperKey) {
            readOptions = new ReadOptions();
            lower = lowerKey == null ? null : new Slice(lowerKey);
            upper = upperKey == null ? null : new Slice(upperKey);
            if (lower != null) {
                readOptions.setIterateLowerBound(lower);
            }
            if (upper != null) {
                readOptions.setIterateUpperBound(upper);
            }
            it = db.newIterator(cf, readOptions);
        }

        @Override
        public boolean next() {
            if (!started) {
                started = true;
                it.seekToFirst();
            } else {
                it.next();
            }
            if (it.isValid()) {
                return true;
            }
            try {
                it.status();
            } catch (RocksDBException e) {
                throw new IndexException("iterate", e);
            }
            return false;
        }

        @Override
        public byte[] key() {
            return it.key();
        }

        @Override
        public byte[] value() {
            return it.value();
        }

        @Override
        public void close() {
            it.close();
            readOptions.close();
            if (lower != null) {
                lower.close();
            }
            if (upper != null) {
                upper.close();
            }
        }
    }
}
