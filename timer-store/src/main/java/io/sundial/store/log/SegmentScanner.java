package io.sundial.store.log;

import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.RecordCodec;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads one segment's records in order through a window buffer, so a scan costs one read per window rather
 * than two per record. Stops at the end of the written part: a zero length field, or a length that cannot
 * fit. Not thread-safe.
 */
final class SegmentScanner {
    private static final int WINDOW = 1 << 20;

    private final Segment segment;
    private final int limit;
    private ByteBuffer window = ByteBuffer.allocate(WINDOW);
    private long windowStart = -1;
    private int offset;

    /** Scans {@code segment} from {@code offset} up to {@code limit} (exclusive, at most its capacity). */
    SegmentScanner(Segment segment, int offset, int limit) {
        this.segment = segment;
        this.offset = offset;
        this.limit = Math.min(limit, segment.capacity());
    }

    int offset() {
        return offset;
    }

    /**
     * The next record's bytes (position at its first byte, limit at its end), or null at the end of the written
     * part. A record that fails its checks throws, leaving {@link #offset()} at that record.
     */
    ByteBuffer next() throws IOException, CorruptRecordException {
        if (offset + 4 > limit) {
            return null;
        }
        ByteBuffer head = bytes(offset, 4);
        int length = head.getInt(head.position());
        if (length == 0) {
            return null;
        }
        long position = segment.base() + offset;
        if (length < RecordCodec.FIXED_HEADER_LENGTH || (long) offset + length > limit) {
            throw new CorruptRecordException(position, "length field " + length + " does not fit the segment");
        }
        ByteBuffer record = bytes(offset, length);
        RecordCodec.verify(record, position);
        offset += length;
        return record;
    }

    /**
     * Steps over the record at {@link #offset()} (one that failed its checks) by its length field; false when that
     * field cannot be trusted (it does not fit the segment), so that nothing after it can be found.
     */
    boolean skip() throws IOException {
        if (offset + 4 > limit) {
            return false;
        }
        ByteBuffer head = bytes(offset, 4);
        int length = head.getInt(head.position());
        if (length < RecordCodec.FIXED_HEADER_LENGTH || (long) offset + length > limit) {
            return false;
        }
        offset += length;
        return true;
    }

    private ByteBuffer bytes(int at, int length) throws IOException {
        if (windowStart < 0 || at < windowStart || at + length > windowStart + window.limit()) {
            if (length > window.capacity()) {
                window = ByteBuffer.allocate(length);
            }
            window.clear();
            int wanted = Math.min(window.capacity(), limit - at);
            window.limit(wanted);
            segment.readThrough(window, at);
            window.flip();
            windowStart = at;
            if (window.limit() < length) {
                throw new IOException("segment " + segment + " ended at " + (at + window.limit())
                        + " inside a record that should end at " + (at + length));
            }
        }
        ByteBuffer slice = window.duplicate();
        slice.position((int) (at - windowStart));
        slice.limit((int) (at - windowStart) + length);
        return slice;
    }
}
