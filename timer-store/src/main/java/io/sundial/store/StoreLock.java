package io.sundial.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The store directory's owner: an exclusive lock on its file {@code lock}, taken before anything in the directory
 * is read or changed and held until the store is closed (decision 0051). Opening a store repairs it (a torn log
 * tail cut and zero-filled, backup leftovers deleted); done to a store another process is writing, that would
 * destroy what it wrote. RocksDB's own lock came too late for that: it is taken when the index opens, after the
 * log's tail was repaired. A lock, not the file's presence, says the store is in use, so a crash leaves nothing to
 * clean up; the operating system releases it with the process.
 */
final class StoreLock implements AutoCloseable {
    static final String FILE = "lock";

    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of the store in {@code storeDir}, or says that another process (or store) holds it. */
    static StoreLock take(Path storeDir) throws IOException {
        Path file = storeDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by a store open in this JVM
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new StoreException("the timer store at " + storeDir + " is in use: another Sundial (or a tool) has"
                    + " it open and holds " + file + ". Stop that one first; two processes must never share a store",
                    null);
        }
        return new StoreLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
