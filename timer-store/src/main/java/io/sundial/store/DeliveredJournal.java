package io.sundial.store;

import io.sundial.store.log.DurableFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Timers the backend has taken whose acknowledgement is not in the index yet: those that wait out a burst
 * (decision 0031), for up to seconds. The store acknowledges them when it opens, so that a crash in that window
 * does not deliver them again (decision 0032).
 *
 * <p>File {@value #FILE} in the store directory, {@link PairBlocks} of {@code (dueMs, seq)}. Appended without fsync:
 * a process crash keeps the page cache; a power loss may take the last blocks, whose timers are then delivered again
 * (at least once, as without the journal). Emptied when every timer it names is acknowledged.
 *
 * <p>Not thread-safe: the store calls it under its journal lock.
 */
final class DeliveredJournal implements AutoCloseable {
    static final String FILE = "delivered.journal";

    private final FileChannel channel;
    private long size;

    private DeliveredJournal(FileChannel channel, long size) {
        this.channel = channel;
        this.size = size;
    }

    static DeliveredJournal open(Path storeDir) throws IOException {
        FileChannel channel = FileChannel.open(storeDir.resolve(FILE), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new DeliveredJournal(channel, channel.size());
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Appends blocks naming {@code ids}; on failure none of them counts. */
    void append(List<TimerId> ids) throws IOException {
        long[] due = new long[ids.size()];
        long[] seq = new long[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            due[i] = ids.get(i).dueMs();
            seq[i] = ids.get(i).seq();
        }
        size = PairBlocks.write(channel, size, due, seq, ids.size());
    }

    /** Every id of every whole block, in the order appended. */
    List<TimerId> read() throws IOException {
        List<TimerId> ids = new ArrayList<>();
        PairBlocks.read(channel, size, (dueMs, seq) -> ids.add(new TimerId(dueMs, seq)));
        return ids;
    }

    /** Writes the journal as it is now to {@code file} (a backup's copy). */
    void copyTo(Path file) throws IOException {
        DurableFiles.copyPrefix(channel, size, file, size);
    }

    /** Forgets every id: all are acknowledged in the index. */
    void clear() throws IOException {
        channel.truncate(0);
        size = 0;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
