package io.sundial.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * The layout of the small side files that name timers by two longs (the {@link DeliveredJournal}'s due time and
 * sequence, the {@link DeliveredLedger}'s sequence and record position): blocks of
 * {@code count(4) (first(8) second(8))×count crc32c(4)}, the CRC over count and pairs. They are appended without
 * fsync, so a crash may leave a torn last block: reading stops at the first short or mismatching block.
 */
final class PairBlocks {
    static final int PAIR_BYTES = 16;
    /** Pairs in one block at most, so that a damaged count never asks for more than this. */
    static final int MAX_BLOCK = 1 << 20;

    /** Receives the pairs read, in the order written. */
    interface PairSink {
        void accept(long first, long second);
    }

    private PairBlocks() {
    }

    /**
     * Writes the pairs {@code (first[i], second[i])}, {@code i < n}, as blocks at {@code at}; returns where they end.
     * On failure nothing after {@code at} counts: the caller keeps its old end, and the next write goes over it.
     */
    static long write(FileChannel channel, long at, long[] first, long[] second, int n) throws IOException {
        long end = at;
        for (int from = 0; from < n; from += MAX_BLOCK) {
            int count = Math.min(MAX_BLOCK, n - from);
            ByteBuffer block = ByteBuffer.allocate(4 + count * PAIR_BYTES + 4);
            block.putInt(count);
            for (int i = from; i < from + count; i++) {
                block.putLong(first[i]).putLong(second[i]);
            }
            block.putInt(crc(block.array(), block.position())).flip();
            while (block.hasRemaining()) {
                end += channel.write(block, end);
            }
        }
        return end;
    }

    /** Gives each pair of each whole block in the first {@code size} bytes to {@code sink}; returns where they end. */
    static long read(FileChannel channel, long size, PairSink sink) throws IOException {
        long at = 0;
        ByteBuffer count = ByteBuffer.allocate(4);
        while (at + 4 <= size) {
            count.clear();
            readFully(channel, count, at);
            int n = count.getInt(0);
            if (n <= 0 || n > MAX_BLOCK || at + 4 + (long) n * PAIR_BYTES + 4 > size) {
                break;
            }
            ByteBuffer block = ByteBuffer.allocate(4 + n * PAIR_BYTES + 4);
            readFully(channel, block, at);
            if (crc(block.array(), 4 + n * PAIR_BYTES) != block.getInt(4 + n * PAIR_BYTES)) {
                break;
            }
            for (int i = 0; i < n; i++) {
                int p = 4 + i * PAIR_BYTES;
                sink.accept(block.getLong(p), block.getLong(p + 8));
            }
            at += block.capacity();
        }
        return at;
    }

    private static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long at) throws IOException {
        while (into.hasRemaining()) {
            int read = channel.read(into, at + into.position());
            if (read < 0) {
                throw new IOException("a file of timer ids ended while being read");
            }
        }
    }
}
