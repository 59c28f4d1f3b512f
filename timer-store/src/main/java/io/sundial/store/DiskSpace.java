package io.sundial.store;

import io.sundial.store.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The headroom the store keeps on its disk: below {@code minFreeBytes} it is <em>full</em> and refuses new timers,
 * while acknowledgements, cancels and compaction go on (they are small, and compaction frees space). A full disk
 * must not be met head-on: RocksDB stops writing on ENOSPC and cannot resume without a reopen, and a timer-log
 * segment is preallocated whole. Free space is read at most once a second; each change of state is logged once.
 * Thread-safe.
 */
public final class DiskSpace {
    private static final Logger LOG = LoggerFactory.getLogger(DiskSpace.class);
    private static final long CHECK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LongSupplier usableBytes;
    private final long minFreeBytes;
    private final Clock clock;
    private final String where;
    /** When the next reading is due; read without the lock, so that appends do not contend between readings. */
    private volatile long nextCheckNanos;
    private volatile boolean checked;
    private volatile long lastFree = Long.MAX_VALUE;
    private volatile boolean full;

    DiskSpace(LongSupplier usableBytes, long minFreeBytes, Clock clock, String where) {
        this.usableBytes = usableBytes;
        this.minFreeBytes = minFreeBytes;
        this.clock = clock;
        this.where = where;
    }

    /**
     * The usable space of the file system holding {@code dir}, as the JDK reports it. It is read once a second, so
     * a failure to read it is logged when it starts and when it ends, not each time.
     */
    static LongSupplier of(Path dir) {
        AtomicBoolean failing = new AtomicBoolean();
        return () -> {
            try {
                long usable = Files.getFileStore(dir).getUsableSpace();
                if (failing.compareAndSet(true, false)) {
                    LOG.info("The free space under {} can be read again", dir);
                }
                return usable;
            } catch (IOException e) {
                if (failing.compareAndSet(false, true)) {
                    LOG.warn("Cannot read the free space under {}: {}; taken as enough until it can be read (logged"
                            + " once)", dir, e.toString());
                }
                return Long.MAX_VALUE; // unknown is not full: refusing every timer would be worse
            }
        };
    }

    /** Whether the store is below its headroom now (re-read at most once a second). */
    public boolean full() {
        if (!checked || clock.monoNanos() - nextCheckNanos >= 0) {
            refresh();
        }
        return full;
    }

    /** Free bytes at the last check. */
    public long freeBytes() {
        return lastFree;
    }

    public long minFreeBytes() {
        return minFreeBytes;
    }

    private synchronized void refresh() {
        long now = clock.monoNanos();
        if (checked && now - nextCheckNanos < 0) {
            return; // another thread read it meanwhile
        }
        nextCheckNanos = now + CHECK_EVERY_NANOS;
        long free = usableBytes.getAsLong();
        lastFree = free;
        boolean nowFull = free < minFreeBytes;
        if (nowFull && !full) {
            LOG.warn("Timer store full: {} MB free under {}, below minFreeDiskBytes ({} MB). New timers are refused"
                    + " (SYSTEM_BUSY) until space is freed; pending timers keep firing.", free >> 20, where,
                    minFreeBytes >> 20);
        } else if (!nowFull && full) {
            LOG.info("Timer store has room again: {} MB free under {}; new timers are accepted", free >> 20, where);
        }
        full = nowFull;
        checked = true;
    }

    /** A message for the refused: how much is free, what is needed. */
    String refusal() {
        return "the timer store is full: " + (lastFree >> 20) + " MB free under " + where + ", below minFreeDiskBytes ("
                + (minFreeBytes >> 20) + " MB); new timers are refused until space is freed";
    }
}
