package io.sundial.store.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One preallocated segment file of the timer log, named by the global position of its first byte (20 digits,
 * so that names sort as positions do). Positions inside are offsets from that base.
 *
 * <p>The file is created at its full size ({@code setLength}: zero-filled, sparse on most file systems), so a
 * reader finds the end of the written part at the first zero length field. Positional reads are thread-safe;
 * writes come from the log's single writer.
 */
final class Segment implements AutoCloseable {
    static final String SUFFIX = ".log";

    private final long base;
    private final int capacity;
    private final Path path;
    private final FileChannel channel;
    private volatile int writeOffset;

    private Segment(long base, int capacity, Path path, FileChannel channel) {
        this.base = base;
        this.capacity = capacity;
        this.path = path;
        this.channel = channel;
    }

    static String fileName(long base) {
        return String.format("%020d%s", base, SUFFIX);
    }

    static Segment create(Path dir, long base, int capacity) throws IOException {
        Path path = dir.resolve(fileName(base));
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(capacity);
        }
        return open(path, base);
    }

    static Segment open(Path path, long base) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = channel.size();
        if (size > Integer.MAX_VALUE) {
            channel.close();
            throw new IOException("segment " + path + " is " + size + " bytes, more than a segment can be");
        }
        return new Segment(base, (int) size, path, channel);
    }

    long base() {
        return base;
    }

    int capacity() {
        return capacity;
    }

    Path path() {
        return path;
    }

    int writeOffset() {
        return writeOffset;
    }

    void writeOffset(int offset) {
        this.writeOffset = offset;
    }

    long endPosition() {
        return base + writeOffset;
    }

    boolean contains(long position) {
        return position >= base && position < base + capacity;
    }

    /** Writes {@code buffers} at the write offset, which then moves past them. */
    void append(ByteBuffer[] buffers, int count, long bytes) throws IOException {
        channel.position(writeOffset);
        long remaining = bytes;
        while (remaining > 0) {
            remaining -= channel.write(buffers, 0, count);
        }
        writeOffset += (int) bytes;
    }

    /** Fills {@code dst} from {@code offset}; fewer bytes only at the end of the file. */
    int read(ByteBuffer dst, long offset) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, offset + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    void force() throws IOException {
        channel.force(false);
    }

    /** Zero-fills from {@code offset} to the end: truncate, then extend sparsely to the same capacity. */
    void zeroFrom(int offset) throws IOException {
        channel.truncate(offset);
        channel.write(ByteBuffer.allocate(1), capacity - 1L);
        channel.force(true);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    void closeAndDelete() throws IOException {
        channel.close();
        Files.deleteIfExists(path);
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
