package io.sundial.store;

import io.sundial.store.log.FlushMode;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Properties;

import static io.sundial.store.config.Settings.bad;
import static io.sundial.store.config.Settings.get;
import static io.sundial.store.config.Settings.parseLong;
import static io.sundial.store.config.Settings.parseSize;

/**
 * The store's settings: each has a name (as in {@code conf/sundial.properties}), a default and a check that
 * names the bad value. Immutable; build with {@link #defaults()} and the {@code with...} methods, or
 * {@link #fromProperties}.
 */
public final class StoreConfig {
    public static final String STORE_PATH_ROOT_DIR = "storePathRootDir";
    public static final String FLUSH_DISK_TYPE = "flushDiskType";
    public static final String FLUSH_INTERVAL_MS = "flushIntervalMs";
    public static final String SEGMENT_SIZE = "timerLogSegmentSize";
    public static final String INDEX_MEMORY_BUDGET = "indexMemoryBudget";
    public static final String DEDUP_RETENTION_MS = "dedupRetentionMs";
    public static final String COMPACTION_THRESHOLD = "compactionLiveRatio";
    public static final String COMPACTION_DELAY_MS = "compactionDelayMs";
    public static final String APPEND_QUEUE_CAPACITY = "appendQueueCapacity";
    public static final String RECLAIM_INTERVAL_MS = "reclaimIntervalMs";
    public static final String SCRUB_INTERVAL_MS = "scrubIntervalMs";
    public static final String MIN_FREE_DISK_BYTES = "minFreeDiskBytes";
    public static final String INDEX_MAX_DISK_BYTES = "indexMaxDiskBytes";
    public static final String SCRUB_BYTES_PER_SECOND = "scrubBytesPerSecond";

    private Path storePathRootDir = Paths.get(System.getProperty("user.home"), "sundial", "store");
    private FlushMode flushMode = FlushMode.SYNC_FLUSH;
    private long flushIntervalMs = 200;
    private int segmentSize = 128 << 20;
    private long indexMemoryBudget = 64L << 20;
    private long dedupRetentionMs = 10 * 60_000L;
    private double compactionThreshold = 0.2;
    private long compactionDelayMs = 60_000;
    private int appendQueueCapacity = 65_536;
    private long reclaimIntervalMs = 10_000;
    private long scrubIntervalMs = 3_600_000;
    private long scrubBytesPerSecond = 32L << 20;
    private long minFreeDiskBytes = 1L << 30;
    private long indexMaxDiskBytes = 0;

    private StoreConfig() {
    }

    public static StoreConfig defaults() {
        return new StoreConfig();
    }

    /** Reads the store's keys from {@code props}; absent keys keep their defaults, other keys are ignored. */
    public static StoreConfig fromProperties(Properties props) {
        StoreConfig c = defaults();
        String v;
        if ((v = get(props, STORE_PATH_ROOT_DIR)) != null) {
            c = c.withStorePath(Paths.get(v));
        }
        if ((v = get(props, FLUSH_DISK_TYPE)) != null) {
            try {
                c = c.withFlushMode(FlushMode.valueOf(v.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw bad(FLUSH_DISK_TYPE, v, "must be SYNC_FLUSH or ASYNC_FLUSH");
            }
        }
        if ((v = get(props, FLUSH_INTERVAL_MS)) != null) {
            c = c.withFlushIntervalMs(parseLong(FLUSH_INTERVAL_MS, v));
        }
        if ((v = get(props, SEGMENT_SIZE)) != null) {
            c = c.withSegmentSize((int) Math.min(Integer.MAX_VALUE, parseSize(SEGMENT_SIZE, v)));
        }
        if ((v = get(props, INDEX_MEMORY_BUDGET)) != null) {
            c = c.withIndexMemoryBudget(parseSize(INDEX_MEMORY_BUDGET, v));
        }
        if ((v = get(props, DEDUP_RETENTION_MS)) != null) {
            c = c.withDedupRetentionMs(parseLong(DEDUP_RETENTION_MS, v));
        }
        if ((v = get(props, COMPACTION_THRESHOLD)) != null) {
            try {
                c = c.withCompactionThreshold(Double.parseDouble(v));
            } catch (NumberFormatException e) {
                throw bad(COMPACTION_THRESHOLD, v, "must be a number between 0 and 0.9");
            }
        }
        if ((v = get(props, COMPACTION_DELAY_MS)) != null) {
            c = c.withCompactionDelayMs(parseLong(COMPACTION_DELAY_MS, v));
        }
        if ((v = get(props, APPEND_QUEUE_CAPACITY)) != null) {
            c = c.withAppendQueueCapacity((int) Math.min(Integer.MAX_VALUE, parseLong(APPEND_QUEUE_CAPACITY, v)));
        }
        if ((v = get(props, RECLAIM_INTERVAL_MS)) != null) {
            c = c.withReclaimIntervalMs(parseLong(RECLAIM_INTERVAL_MS, v));
        }
        if ((v = get(props, SCRUB_INTERVAL_MS)) != null) {
            c = c.withScrub(parseLong(SCRUB_INTERVAL_MS, v), c.scrubBytesPerSecond);
        }
        if ((v = get(props, SCRUB_BYTES_PER_SECOND)) != null) {
            c = c.withScrub(c.scrubIntervalMs, parseSize(SCRUB_BYTES_PER_SECOND, v));
        }
        if ((v = get(props, MIN_FREE_DISK_BYTES)) != null) {
            c = c.withMinFreeDiskBytes(parseSize(MIN_FREE_DISK_BYTES, v));
        }
        if ((v = get(props, INDEX_MAX_DISK_BYTES)) != null) {
            c = c.withIndexMaxDiskBytes(parseSize(INDEX_MAX_DISK_BYTES, v));
        }
        return c;
    }

    private StoreConfig copy() {
        StoreConfig c = new StoreConfig();
        c.storePathRootDir = storePathRootDir;
        c.flushMode = flushMode;
        c.flushIntervalMs = flushIntervalMs;
        c.segmentSize = segmentSize;
        c.indexMemoryBudget = indexMemoryBudget;
        c.dedupRetentionMs = dedupRetentionMs;
        c.compactionThreshold = compactionThreshold;
        c.compactionDelayMs = compactionDelayMs;
        c.appendQueueCapacity = appendQueueCapacity;
        c.reclaimIntervalMs = reclaimIntervalMs;
        c.scrubIntervalMs = scrubIntervalMs;
        c.scrubBytesPerSecond = scrubBytesPerSecond;
        c.minFreeDiskBytes = minFreeDiskBytes;
        c.indexMaxDiskBytes = indexMaxDiskBytes;
        return c;
    }

    public StoreConfig withStorePath(Path path) {
        StoreConfig c = copy();
        c.storePathRootDir = path;
        return c;
    }

    public StoreConfig withFlushMode(FlushMode mode) {
        StoreConfig c = copy();
        c.flushMode = mode;
        return c;
    }

    public StoreConfig withFlushIntervalMs(long ms) {
        if (ms < 1 || ms > 60_000) {
            throw bad(FLUSH_INTERVAL_MS, ms, "must be between 1 and 60000 ms");
        }
        StoreConfig c = copy();
        c.flushIntervalMs = ms;
        return c;
    }

    public StoreConfig withSegmentSize(int bytes) {
        if (bytes < (1 << 20) || bytes > (1 << 30)) {
            throw bad(SEGMENT_SIZE, bytes, "must be between 1 MiB (1048576) and 1 GiB (1073741824)");
        }
        StoreConfig c = copy();
        c.segmentSize = bytes;
        return c;
    }

    public StoreConfig withIndexMemoryBudget(long bytes) {
        if (bytes < (8L << 20)) {
            throw bad(INDEX_MEMORY_BUDGET, bytes, "must be at least 8 MiB (8388608)");
        }
        StoreConfig c = copy();
        c.indexMemoryBudget = bytes;
        return c;
    }

    public StoreConfig withDedupRetentionMs(long ms) {
        if (ms < 0) {
            throw bad(DEDUP_RETENTION_MS, ms, "must not be negative (0 keeps no tombstones)");
        }
        StoreConfig c = copy();
        c.dedupRetentionMs = ms;
        return c;
    }

    public StoreConfig withCompactionThreshold(double ratio) {
        if (!(ratio >= 0 && ratio <= 0.9)) {
            throw bad(COMPACTION_THRESHOLD, ratio, "must be between 0 (never compact) and 0.9");
        }
        StoreConfig c = copy();
        c.compactionThreshold = ratio;
        return c;
    }

    public StoreConfig withCompactionDelayMs(long ms) {
        if (ms < 0) {
            throw bad(COMPACTION_DELAY_MS, ms, "must not be negative (0 compacts a sparse segment at once)");
        }
        StoreConfig c = copy();
        c.compactionDelayMs = ms;
        return c;
    }

    public StoreConfig withAppendQueueCapacity(int requests) {
        if (requests < 1) {
            throw bad(APPEND_QUEUE_CAPACITY, requests, "must be at least 1");
        }
        StoreConfig c = copy();
        c.appendQueueCapacity = requests;
        return c;
    }

    public StoreConfig withReclaimIntervalMs(long ms) {
        if (ms < 0) {
            throw bad(RECLAIM_INTERVAL_MS, ms, "must not be negative (0 reclaims only when asked)");
        }
        StoreConfig c = copy();
        c.reclaimIntervalMs = ms;
        return c;
    }

    /**
     * The background check of sealed segments' records against their CRC: a pass every {@code intervalMs} (0:
     * never), reading at most {@code bytesPerSecond}.
     */
    public StoreConfig withScrub(long intervalMs, long bytesPerSecond) {
        if (intervalMs < 0) {
            throw bad(SCRUB_INTERVAL_MS, intervalMs, "must not be negative (0 turns the scrubber off)");
        }
        if (bytesPerSecond < 64 * 1024) {
            throw bad(SCRUB_BYTES_PER_SECOND, bytesPerSecond, "must be at least 64k");
        }
        StoreConfig c = copy();
        c.scrubIntervalMs = intervalMs;
        c.scrubBytesPerSecond = bytesPerSecond;
        return c;
    }

    /** The free space the store keeps under its directory: below it new timers are refused (0: no headroom). */
    public StoreConfig withMinFreeDiskBytes(long bytes) {
        if (bytes < 0) {
            throw bad(MIN_FREE_DISK_BYTES, bytes, "must not be negative");
        }
        StoreConfig c = copy();
        c.minFreeDiskBytes = bytes;
        return c;
    }

    public long minFreeDiskBytes() {
        return minFreeDiskBytes;
    }

    /** The most disk RocksDB's files may take (0: no cap); past it new timers are refused as "store full". */
    public StoreConfig withIndexMaxDiskBytes(long bytes) {
        if (bytes < 0) {
            throw bad(INDEX_MAX_DISK_BYTES, bytes, "must not be negative (0: no cap)");
        }
        StoreConfig c = copy();
        c.indexMaxDiskBytes = bytes;
        return c;
    }

    public long indexMaxDiskBytes() {
        return indexMaxDiskBytes;
    }

    public long scrubIntervalMs() {
        return scrubIntervalMs;
    }

    public long scrubBytesPerSecond() {
        return scrubBytesPerSecond;
    }

    public Path storePath() {
        return storePathRootDir;
    }

    public Path timerLogPath() {
        return storePathRootDir.resolve("timerlog");
    }

    public Path indexPath() {
        return storePathRootDir.resolve("index");
    }

    public FlushMode flushMode() {
        return flushMode;
    }

    public long flushIntervalMs() {
        return flushIntervalMs;
    }

    public int segmentSize() {
        return segmentSize;
    }

    public long indexMemoryBudget() {
        return indexMemoryBudget;
    }

    public long dedupRetentionMs() {
        return dedupRetentionMs;
    }

    public double compactionThreshold() {
        return compactionThreshold;
    }

    /** How long a sealed segment must have been sparse before it is compacted. */
    public long compactionDelayMs() {
        return compactionDelayMs;
    }

    public int appendQueueCapacity() {
        return appendQueueCapacity;
    }

    public long reclaimIntervalMs() {
        return reclaimIntervalMs;
    }

    @Override
    public String toString() {
        return STORE_PATH_ROOT_DIR + "=" + storePathRootDir + ", " + FLUSH_DISK_TYPE + "=" + flushMode + ", "
                + FLUSH_INTERVAL_MS + "=" + flushIntervalMs + ", " + SEGMENT_SIZE + "=" + segmentSize + ", "
                + INDEX_MEMORY_BUDGET + "=" + indexMemoryBudget + ", " + DEDUP_RETENTION_MS + "=" + dedupRetentionMs
                + ", " + COMPACTION_THRESHOLD + "=" + compactionThreshold + ", " + COMPACTION_DELAY_MS + "="
                + compactionDelayMs + ", " + APPEND_QUEUE_CAPACITY + "="
                + appendQueueCapacity + ", " + RECLAIM_INTERVAL_MS + "=" + reclaimIntervalMs + ", " + SCRUB_INTERVAL_MS
                + "=" + scrubIntervalMs + ", " + SCRUB_BYTES_PER_SECOND + "=" + scrubBytesPerSecond + ", "
                + MIN_FREE_DISK_BYTES + "=" + minFreeDiskBytes + ", " + INDEX_MAX_DISK_BYTES + "=" + indexMaxDiskBytes;
    }
}
