package io.sundial.store;

import io.sundial.store.log.DurableFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Timers the backend has taken whose acknowledgement is not in the index yet: those that wait out a burst
 * (decision 0031), for up to seconds. The store acknowledges them when it opens, so that a crash in that window
 * does not deliver them again (decision 0032).
 *
 * <p>File {@value #FILE} in the store directory, a sequence of blocks {@code count(4) (dueMs(8) seq(8))×count
 * crc32c(4)}, the CRC over count and ids. Appended without fsync: a process crash keeps the page cache; a power
 * loss may take the last blocks, whose timers are then delivered again (at least once, as without the journal).
 * Reading stops at the first short or mismatching block. Emptied when every timer it names is acknowledged.
 *
 * <p>Not thread-safe: the store calls it under its journal lock.
 */
final class DeliveredJournal implements AutoCloseable {
    static final String FILE = "delivered.journal";
    private static final int ID_BYTES = 16;
    /** Ids in one block at most: what the combiner lets wait is far less, and a corrupt count must not ask more. */
    static final int MAX_BLOCK = 1 << 20;

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

    /** Appends one block naming {@code ids}; on failure nothing after the last whole block counts. */
    void append(List<TimerId> ids) throws IOException {
        for (int from = 0; from < ids.size(); from += MAX_BLOCK) {
            appendBlock(ids.subList(from, Math.min(ids.size(), from + MAX_BLOCK)));
        }
    }

    private void appendBlock(List<TimerId> ids) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(4 + ids.size() * ID_BYTES + 4);
        block.putInt(ids.size());
        for (TimerId id : ids) {
            block.putLong(id.dueMs()).putLong(id.seq());
        }
        CRC32C crc = new CRC32C();
        crc.update(block.array(), 0, block.position());
        block.putInt((int) crc.getValue()).flip();
        long at = size;
        while (block.hasRemaining()) {
            at += channel.write(block, at);
        }
        size = at;
    }

    /** Every id of every whole block, in the order appended. */
    List<TimerId> read() throws IOException {
        List<TimerId> ids = new ArrayList<>();
        long at = 0;
        ByteBuffer count = ByteBuffer.allocate(4);
        while (at + 4 <= size) {
            count.clear();
            readFully(count, at);
            int n = count.getInt(0);
            if (n <= 0 || n > MAX_BLOCK || at + 4 + (long) n * ID_BYTES + 4 > size) {
                break;
            }
            ByteBuffer block = ByteBuffer.allocate(4 + n * ID_BYTES + 4);
            readFully(block, at);
            CRC32C crc = new CRC32C();
            crc.update(block.array(), 0, 4 + n * ID_BYTES);
            if ((int) crc.getValue() != block.getInt(4 + n * ID_BYTES)) {
                break;
            }
            for (int i = 0; i < n; i++) {
                int p = 4 + i * ID_BYTES;
                ids.add(new TimerId(block.getLong(p), block.getLong(p + 8)));
            }
            at += block.capacity();
        }
        return ids;
    }

    private void readFully(ByteBuffer into, long at) throws IOException {
        while (into.hasRemaining()) {
            int read = channel.read(into, at + into.position());
            if (read < 0) {
                throw new IOException("the delivered-timers journal ended while being read");
            }
        }
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
