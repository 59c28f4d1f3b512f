package io.sundial.store.log;

import io.sundial.store.record.CorruptRecordException;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One preallocated segment file of the timer log, named by the global position of its first byte (20 digits,
 * so that names sort as positions do). Positions inside are offsets from that base.
 *
 * <p>The file is created at its full size ({@code setLength}: zero-filled, sparse on most file systems), so a
 * reader finds the end of the written part at the first zero length field. Writes come from the log's single
 * writer through the file channel.
 *
 * <p><b>Reads go through a memory map</b> (read-only, made at the first read): a delivery reads one record per
 * timer, and a system call per record cost a sixth of the backlog drain rate. The map shares the page cache with
 * the channel's writes, so it sees them. It is unmapped when the segment is closed, as soon as no read is in
 * progress (a read counts itself in {@link #readers}), so a deleted segment gives its disk space back at once
 * instead of when the garbage collector gets to the map, and no read can touch an unmapped page. Thread-safe.
 */
final class Segment implements AutoCloseable {
    static final String SUFFIX = ".log";
    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private final long base;
    private final int capacity;
    private final Path path;
    private final FileChannel channel;
    private final AtomicInteger readers = new AtomicInteger();
    private volatile boolean closing;
    private volatile MappedByteBuffer map;
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

    static Segment create(Path dir, long base, int capacity, SegmentChannels channels) throws IOException {
        Path path = dir.resolve(fileName(base));
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(capacity);
        }
        return open(path, base, channels);
    }

    static Segment open(Path path, long base, SegmentChannels channels) throws IOException {
        FileChannel channel = channels.open(path);
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
        try {
            return readMapped(offset, dst.remaining(), view -> {
                int n = view.remaining();
                dst.put(view);
                return n;
            });
        } catch (CorruptRecordException e) {
            throw new IllegalStateException("a copy cannot find a record corrupt", e);
        }
    }

    /** What {@link #readMapped} runs on the mapped bytes. */
    @FunctionalInterface
    interface MappedReader<T> {
        T read(ByteBuffer view) throws IOException, CorruptRecordException;
    }

    /**
     * Runs {@code reader} on a read-only view of the {@code size} bytes at {@code offset} (fewer only at the end of
     * the file), while the map is held: so a record is decoded where it lies, without a copy into a buffer of its
     * own first. The view, and anything that shares its memory, must not outlive the call.
     */
    <T> T readMapped(long offset, int size, MappedReader<T> reader) throws IOException, CorruptRecordException {
        readers.incrementAndGet();
        try {
            if (closing) {
                throw new ClosedChannelException();
            }
            int n = (int) Math.max(0, Math.min(size, capacity - offset));
            return reader.read(mapped().slice((int) offset, n).asReadOnlyBuffer());
        } catch (InternalError e) {
            // The JVM's answer to a fault in a mapped page: the file was shortened or its disk failed under us.
            throw new IOException("reading " + path + " at offset " + offset + " failed: " + e.getMessage(), e);
        } finally {
            if (readers.decrementAndGet() == 0 && closing) {
                unmap();
            }
        }
    }

    /**
     * Fills {@code dst} from {@code offset} with reads of the file, not through the map: for scans of a whole
     * segment (recovery, scrubbing, compaction), whose pages would otherwise stay in the process's resident set
     * for as long as the map lives (a scrub of 1.4 GB of sealed segments showed as 275 MiB of RSS). Fewer bytes
     * only at the end of the file. Callers must not be interrupted: an interrupt closes the channel for everyone.
     */
    int readThrough(ByteBuffer dst, long offset) throws IOException {
        if (closing) {
            throw new ClosedChannelException();
        }
        int wanted = (int) Math.max(0, Math.min(dst.remaining(), capacity - offset));
        int limit = dst.limit();
        dst.limit(dst.position() + wanted);
        int n = 0;
        try {
            while (dst.hasRemaining()) {
                int r = channel.read(dst, offset + n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } finally {
            dst.limit(limit);
        }
        return n;
    }

    private MappedByteBuffer mapped() throws IOException {
        MappedByteBuffer m = map;
        if (m == null) {
            synchronized (this) {
                m = map;
                if (m == null) {
                    m = channel.map(FileChannel.MapMode.READ_ONLY, 0, capacity);
                    map = m;
                }
            }
        }
        return m;
    }

    /** Unmaps now; only when no read is in progress (closed, or before a truncation at recovery). */
    private synchronized void unmap() {
        MappedByteBuffer m = map;
        if (m != null) {
            map = null;
            UNSAFE.invokeCleaner(m);
        }
    }

    private void closeMap() {
        closing = true;
        if (readers.get() == 0) {
            unmap(); // else the last read in progress does it
        }
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    void force() throws IOException {
        channel.force(false);
    }

    /** Zero-fills from {@code offset} to the end: truncate, then extend sparsely to the same capacity. */
    void zeroFrom(int offset) throws IOException {
        unmap(); // recovery runs before any concurrent read; a mapped page past the truncation would fault
        channel.truncate(offset);
        channel.write(ByteBuffer.allocate(1), capacity - 1L);
        channel.force(true);
    }

    @Override
    public void close() throws IOException {
        closeMap();
        channel.close();
    }

    void closeAndDelete() throws IOException {
        close();
        Files.deleteIfExists(path);
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
