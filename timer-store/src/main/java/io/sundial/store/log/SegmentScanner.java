package io.sundial.store.log;

import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.RecordCodec;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads one segment's records in order through a window buffer, so a scan costs one read per window rather
 * than two per record. Stops at the end of the written part: a zero length field, or a length that cannot
 * fit; in a sealed segment the caller may {@link #resync} past damage to the records after it. Not thread-safe.
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
     * Moves to the first record at or after {@code from} that passes every check (length, magic, version, CRC), past
     * whatever lies before it: a record that failed its checks, or a run of zeros where writes were lost. Only for a
     * sealed segment, where nothing after its written part is ever written again. False, at the limit, if there is
     * none. A false match needs the magic, the version, a fitting length and the CRC to agree by chance.
     */
    boolean resync(int from) throws IOException {
        int at = from;
        while (at + RecordCodec.FIXED_HEADER_LENGTH <= limit) {
            ByteBuffer w = bytes(at, Math.min(WINDOW, limit - at));
            int starts = w.remaining() - RecordCodec.FIXED_HEADER_LENGTH + 1;
            int base = w.position();
            int candidate = -1;
            for (int i = 0; i < starts; i++) {
                if (w.get(base + i + RecordCodec.MAGIC_OFFSET) == RecordCodec.MAGIC
                        && w.get(base + i + RecordCodec.VERSION_OFFSET) == RecordCodec.VERSION) {
                    candidate = at + i;
                    break;
                }
            }
            if (candidate < 0) {
                at += starts;
                continue;
            }
            if (verifies(candidate)) {
                offset = candidate;
                return true;
            }
            at = candidate + 1; // the window may have moved: read it again from there
        }
        offset = limit;
        return false;
    }

    private boolean verifies(int at) throws IOException {
        ByteBuffer head = bytes(at, 4);
        int length = head.getInt(head.position());
        if (length < RecordCodec.FIXED_HEADER_LENGTH || (long) at + length > limit) {
            return false;
        }
        try {
            RecordCodec.verify(bytes(at, length), segment.base() + at);
            return true;
        } catch (CorruptRecordException e) {
            return false;
        }
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
