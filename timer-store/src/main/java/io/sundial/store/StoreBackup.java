package io.sundial.store;

import io.sundial.store.index.RocksKeyValueStore;
import io.sundial.store.index.TimerIndex;
import io.sundial.store.log.DurableFiles;
import io.sundial.store.log.TimerLog;
import io.sundial.store.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Copies the running store to another directory (an online backup, decision 0046). A store opened there holds what
 * this one held at one instant, as a copy of a stopped store would: the index as of that instant (a RocksDB
 * checkpoint), the timer log up to the position that index has applied, the journal of delivered timers, and the
 * files a rebuild of the index reads.
 *
 * <p>Writes and acknowledgements wait only while the copy is pinned, under the store's index lock: the checkpoint
 * (its files hard-linked, its memtables flushed just before so that little is left to flush then) and a hard link
 * to each segment, so that neither space reclaim nor the writer changes what the backup holds. The bytes are copied
 * after. The links are made in a staging directory under the store, on its file system; it is then renamed to the
 * target if that is on the same file system, else copied beside the target under a temporary name, renamed once
 * whole, and deleted. A staging directory left by a crash is deleted when the store opens. One backup at a time.
 */
final class StoreBackup {
    private static final Logger LOG = LoggerFactory.getLogger(StoreBackup.class);
    static final String STAGING_PREFIX = "backup-in-progress-";

    private final StoreConfig config;
    private final TimerLog log;
    private final RocksKeyValueStore kv;
    private final TimerIndex index;
    private final ReentrantLock indexLock;
    private final DeliveredJournal journal;
    /** Files beside the index that a rebuild reads (decision 0049), copied with the journal. */
    private final List<SmallFile> smallFiles;
    /**
     * The ledger of delivered timers (decision 0050), copied after the pin: what it names was delivered, so entries
     * newer than the pinned index only keep a restored store's rebuild from delivering those timers once more.
     */
    private final SmallFile ledger;
    private final Clock clock;
    private final ReentrantLock oneAtATime = new ReentrantLock();
    /** Guarded by {@link #oneAtATime}: the store is closing, so no backup may start (its index is going away). */
    private boolean closed;
    private volatile BackupReport last;

    /** A file of the store directory that copies itself into a backup directory. */
    interface SmallFile {
        void copyTo(Path dir) throws IOException;
    }

    StoreBackup(StoreConfig config, TimerLog log, RocksKeyValueStore kv, TimerIndex index, ReentrantLock indexLock,
                DeliveredJournal journal, List<SmallFile> smallFiles, SmallFile ledger, Clock clock) {
        this.config = config;
        this.log = log;
        this.kv = kv;
        this.index = index;
        this.indexLock = indexLock;
        this.journal = journal;
        this.smallFiles = smallFiles;
        this.ledger = ledger;
        this.clock = clock;
    }

    /** Deletes staging directories a crash left under the store (their links would keep deleted segments). */
    static void deleteLeftovers(Path storeDir) throws IOException {
        try (Stream<Path> entries = Files.list(storeDir)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(STAGING_PREFIX)).toList()) {
                LOG.info("Deleting {}, left by a backup that did not finish", p);
                DurableFiles.deleteTree(p);
            }
        }
    }

    /**
     * Copies the store to {@code target}, a directory that must not exist yet, outside the store, whose parent
     * exists.
     *
     * @throws IllegalArgumentException if {@code target} is not such a directory
     * @throws StoreBusyException       if another backup is under way
     */
    BackupReport run(Path target) throws IOException {
        Path dest = checkedTarget(target);
        if (!oneAtATime.tryLock()) {
            throw new StoreBusyException("another backup is under way; try again when it has finished");
        }
        try {
            if (closed) {
                throw new StoreException("the timer store is closing: no backup", null);
            }
            long start = clock.monoNanos();
            Path staging = config.storePath().resolve(STAGING_PREFIX + clock.wallMillis());
            Files.createDirectory(staging);
            try {
                kv.flushMemtables();
                TimerLog.BackupPart active;
                long pending;
                long held;
                indexLock.lock();
                long pinnedFrom = clock.monoNanos();
                try {
                    synchronized (journal) {
                        journal.copyTo(staging.resolve(DeliveredJournal.FILE));
                    }
                    for (SmallFile f : smallFiles) {
                        f.copyTo(staging);
                    }
                    kv.checkpoint(staging.resolve(config.indexPath().getFileName()));
                    active = log.linkForBackup(staging.resolve(config.timerLogPath().getFileName()));
                    pending = index.pendingTotal();
                } finally {
                    held = clock.monoNanos() - pinnedFrom;
                    indexLock.unlock();
                }
                ledger.copyTo(staging);
                TimerLog.finishBackup(active);
                long bytes = place(staging, dest);
                BackupReport report = new BackupReport(dest, pending, active.sealedSegments() + 1, bytes, held,
                        clock.monoNanos() - start, clock.wallMillis());
                last = report;
                LOG.info("Backup of the timer store written to {}: {} timers pending, {} segments, {} bytes; writes"
                        + " waited {} ms, the backup took {} ms", dest, pending, report.segments(), bytes,
                        held / 1_000_000, report.tookNanos() / 1_000_000);
                return report;
            } finally {
                DurableFiles.deleteTree(staging);
            }
        } finally {
            oneAtATime.unlock();
        }
    }

    /** The last backup that worked since the store opened; null if none. */
    BackupReport last() {
        return last;
    }

    /** Waits for a backup under way to finish, then lets none start: the store is closing. */
    void close() {
        oneAtATime.lock();
        try {
            closed = true;
        } finally {
            oneAtATime.unlock();
        }
    }

    private Path checkedTarget(Path target) {
        Path dest = target.toAbsolutePath().normalize();
        Path store = config.storePath().toAbsolutePath().normalize();
        if (dest.startsWith(store)) {
            throw new IllegalArgumentException("the backup directory " + dest + " must lie outside the store "
                    + store);
        }
        if (Files.exists(dest)) {
            throw new IllegalArgumentException("the backup directory " + dest + " exists already: a backup goes to"
                    + " a new directory");
        }
        Path parent = dest.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("the backup directory's parent " + parent + " is not a directory");
        }
        return dest;
    }

    /**
     * Moves the staging directory to {@code dest}, or copies it there on another file system; either way every
     * directory of the backup is fsynced, so that its links and names survive a power cut. Returns its bytes.
     */
    private static long place(Path staging, Path dest) throws IOException {
        long bytes = sizeOf(staging);
        try {
            Files.move(staging, dest, StandardCopyOption.ATOMIC_MOVE);
            fsyncDirectories(dest);
        } catch (AtomicMoveNotSupportedException otherFileSystem) {
            copyThenRename(staging, dest, bytes);
        }
        DurableFiles.syncDirectory(dest.getParent());
        return bytes;
    }

    /**
     * Copies the staging directory next to {@code dest}, as {@code <dest>.incomplete}, each file fsynced, and renames
     * it to {@code dest} only once whole: a copy that fails (a full disk, an I/O error) is deleted and never looks like
     * a backup. Refused at once if the target's file system has less room than the copy needs.
     */
    private static void copyThenRename(Path staging, Path dest, long bytes) throws IOException {
        long free = Files.getFileStore(dest.getParent()).getUsableSpace();
        if (free < bytes) {
            throw new IOException("the backup needs " + bytes + " bytes and " + dest.getParent() + " has " + free
                    + " free");
        }
        Path incomplete = dest.resolveSibling(dest.getFileName() + ".incomplete");
        if (Files.exists(incomplete)) {
            LOG.info("Deleting {}, left by a backup that did not finish", incomplete);
            DurableFiles.deleteTree(incomplete);
        }
        try {
            copyTree(staging, incomplete);
            fsyncDirectories(incomplete);
            Files.move(incomplete, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                DurableFiles.deleteTree(incomplete);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static void fsyncDirectories(Path root) throws IOException {
        try (Stream<Path> dirs = Files.walk(root)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                DurableFiles.syncDirectory(d);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        List<Path> all;
        try (Stream<Path> files = Files.walk(from)) {
            all = files.toList();
        }
        for (Path p : all) {
            Path t = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(t);
            } else {
                Files.copy(p, t);
                try (FileChannel c = FileChannel.open(t, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
            }
        }
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            long total = 0;
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }
}
