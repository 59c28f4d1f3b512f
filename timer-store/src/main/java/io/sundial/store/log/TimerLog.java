package io.sundial.store.log;

import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.RecordCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;
import java.util.stream.Stream;

/**
 * The append-only timer log: a sequence of preallocated {@link Segment} files addressed by a global position
 * (segment base + offset). Records never span segments; the unused tail of a full segment stays zero and the
 * next segment starts at the previous base plus its capacity, so positions are sparse but ordered.
 *
 * <p><b>Durability.</b> {@link #append} writes to the page cache; {@link #force} fsyncs. A full segment is
 * fsynced before the first write to the next one, so after a crash only the last segment can have a torn tail:
 * {@link #open} scans only that one, checking every CRC, and cuts it at the last valid record (zero-filling
 * the rest, so stale bytes can never be read as records later), with one log line saying how much was cut.
 * After an fsync fails, the log remembers what it covered and the rest of that segment ({@link #fsyncFailedAt}),
 * and rolls to a new segment before its next write, so that pages the kernel dropped are never a hole in the last
 * segment (decision 0044).
 *
 * <p><b>Threads.</b> One writer calls {@link #append}; any thread may call {@link #force} (the flusher) and
 * the read methods (positional reads, no shared cursor). Reading a segment that was deleted meanwhile throws
 * {@link SegmentGoneException}.
 */
public final class TimerLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TimerLog.class);
    private static final long SEAL_RETRY_NANOS = 100_000_000L;
    private final Path dir;
    private final int segmentSize;
    private final SegmentChannels channels;
    /** Changed by a roll (the writer) and a deletion (space reclaim), read by everyone. */
    private final AtomicReference<SegmentTable> segments = new AtomicReference<>(SegmentTable.EMPTY);
    private final long cutBytes;
    private volatile Segment active;
    private volatile long writePosition;
    private volatile long flushedPosition;
    private final FailedFsyncRanges failedFsyncs = new FailedFsyncRanges();
    /** An fsync failed: the next append starts a new segment first (see {@link #noteFailedFsync}). */
    private volatile boolean sealRequested;
    /**
     * No new attempt to seal before this (monotonic ns) while the old segment's fsync fails; set by the writer, and
     * brought forward by an fsync that works.
     */
    private volatile long nextSealAttemptNanos = System.nanoTime();
    private volatile boolean closed;

    private TimerLog(Path dir, int segmentSize, SegmentChannels channels, long cutBytes) {
        this.dir = dir;
        this.segmentSize = segmentSize;
        this.channels = channels;
        this.cutBytes = cutBytes;
    }

    /**
     * Opens the log in {@code dir} (created if missing), new segments being {@code segmentSize} bytes.
     * Existing segments keep the size they were made with.
     */
    public static TimerLog open(Path dir, int segmentSize) throws IOException {
        return open(dir, segmentSize, SegmentChannels.FILES);
    }

    /** As {@link #open(Path, int)}, opening each segment's channel with {@code channels} (tests: failing disks). */
    public static TimerLog open(Path dir, int segmentSize, SegmentChannels channels) throws IOException {
        Files.createDirectories(dir);
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(Segment.SUFFIX)).sorted().toList();
        }
        List<Segment> opened = new ArrayList<>();
        try {
            for (Path file : files) {
                String name = file.getFileName().toString();
                long base;
                try {
                    base = Long.parseLong(name.substring(0, name.length() - Segment.SUFFIX.length()));
                } catch (NumberFormatException e) {
                    throw new IOException("timer log file " + file + " is not named by its base position");
                }
                opened.add(Segment.open(file, base, channels));
            }
            if (opened.isEmpty()) {
                opened.add(Segment.create(dir, 0, segmentSize, channels));
                DurableFiles.syncDirectory(dir);
            }
            Segment last = opened.get(opened.size() - 1);
            long cut = recoverTail(last);
            TimerLog log = new TimerLog(dir, segmentSize, channels, cut);
            for (Segment s : opened) {
                if (s != last) {
                    s.writeOffset(s.capacity());
                }
                log.segments.updateAndGet(t -> t.with(s));
            }
            log.active = last;
            log.writePosition = last.endPosition();
            log.flushedPosition = log.writePosition;
            return log;
        } catch (IOException | RuntimeException e) {
            for (Segment s : opened) {
                try {
                    s.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Finds the end of the valid records of the last segment and cuts whatever follows; returns bytes cut. */
    private static long recoverTail(Segment last) throws IOException {
        SegmentScanner scanner = new SegmentScanner(last, 0, last.capacity());
        String reason = null;
        try {
            while (scanner.next() != null) {
                // only the end matters here
            }
        } catch (CorruptRecordException | IOException e) {
            reason = e.getMessage();
        }
        int validEnd = scanner.offset();
        last.writeOffset(validEnd);
        long lastNonZero = lastNonZeroOffset(last, validEnd);
        if (lastNonZero < 0) {
            return 0;
        }
        long cut = lastNonZero + 1 - validEnd;
        LOG.warn("Timer log {}: cut {} bytes of torn tail after the last valid record at offset {} ({})", last,
                cut, validEnd, reason == null ? "stale bytes after the end" : reason);
        last.zeroFrom(validEnd);
        return cut;
    }

    private static long lastNonZeroOffset(Segment segment, int from) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        long last = -1;
        for (long at = from; at < segment.capacity(); at += chunk.capacity()) {
            chunk.clear();
            int n = segment.readThrough(chunk, at);
            for (int i = n - 1; i >= 0; i--) {
                if (chunk.get(i) != 0) {
                    last = at + i;
                    break;
                }
            }
            if (n < chunk.capacity()) {
                break;
            }
        }
        return last;
    }

    /** Bytes cut from a torn tail when this log was opened (0 after a clean stop). */
    public long cutBytesAtOpen() {
        return cutBytes;
    }

    /** Global position just past the last appended record. */
    public long writePosition() {
        return writePosition;
    }

    /** Global position up to which the log is known to be fsynced. */
    public long flushedPosition() {
        return flushedPosition;
    }

    /** Position of the first byte still on disk. */
    public long startPosition() {
        return segments.get().firstBase();
    }

    /**
     * Appends encoded records (each from its buffer's position to its limit) and returns their positions.
     * Single writer only. Records are written to the page cache; call {@link #force} for durability.
     */
    public long[] append(List<ByteBuffer> records) throws IOException {
        ensureOpen();
        long[] positions = new long[records.size()];
        ByteBuffer[] group = new ByteBuffer[records.size()];
        int count = 0;
        long groupBytes = 0;
        Segment segment = active;
        if (sealRequested && System.nanoTime() - nextSealAttemptNanos >= 0) {
            segment = sealForHole(segment);
        }
        for (int i = 0; i < records.size(); i++) {
            ByteBuffer record = records.get(i);
            int size = record.remaining();
            if (size > segment.capacity() && size > segmentSize) {
                throw new IllegalArgumentException("record of " + size + " bytes exceeds segment size "
                        + segmentSize);
            }
            if (segment.writeOffset() + groupBytes + size > segment.capacity()) {
                if (count > 0) {
                    segment.append(group, count, groupBytes);
                    count = 0;
                    groupBytes = 0;
                }
                segment = roll(segment);
            }
            positions[i] = segment.base() + segment.writeOffset() + groupBytes;
            group[count++] = record.duplicate();
            groupBytes += size;
        }
        if (count > 0) {
            segment.append(group, count, groupBytes);
        }
        writePosition = segment.endPosition();
        return positions;
    }

    private Segment roll(Segment full) throws IOException {
        long unsyncedFrom = flushedPosition;
        try {
            full.force();
        } catch (IOException e) {
            noteFailedFsync(unsyncedFrom, full);
            throw e;
        }
        long fullEnd = full.endPosition();
        if (fullEnd > flushedPosition) {
            flushedPosition = fullEnd;
        }
        Segment next = Segment.create(dir, full.base() + full.capacity(), segmentSize, channels);
        DurableFiles.syncDirectory(dir);
        full.writeOffset(full.capacity());
        segments.updateAndGet(t -> t.with(next));
        active = next;
        LOG.debug("Timer log rolled to {}", next);
        return next;
    }

    /** Fsyncs everything appended so far; returns the position now durable. Thread-safe. */
    public long force() throws IOException {
        long target = writePosition; // read before the segment: a roll in between has fsynced the old one
        long unsyncedFrom = flushedPosition;
        Segment segment = active;
        try {
            segment.force();
        } catch (ClosedChannelException e) {
            if (closed) {
                throw e;
            }
            throw new IOException("timer log segment " + segment + " closed during fsync", e);
        } catch (IOException e) {
            noteFailedFsync(unsyncedFrom, segment);
            throw e;
        }
        synchronized (this) {
            if (target > flushedPosition) {
                flushedPosition = target;
            }
        }
        if (sealRequested) {
            nextSealAttemptNanos = System.nanoTime(); // the disk fsyncs again: seal at the next append, not later
        }
        return target;
    }

    /**
     * The fsync of {@code segment} failed: everything written to it since {@code unsyncedFrom} (where the last fsync
     * that worked ended) may not be on the disk. Its pages may read back as a hole of zeros once they leave the page
     * cache, and opening the log cuts the last segment at the first record that does not read, on the assumption
     * that only a torn tail can be invalid: so the segment is sealed before the next write (decision 0044). Until
     * then the hole is in the last segment, and a restart would cut whatever is written after it: the failed range
     * therefore runs to the segment's end, and no fsync acknowledges a write there.
     */
    private synchronized void noteFailedFsync(long unsyncedFrom, Segment segment) {
        failedFsyncs.add(unsyncedFrom, segment.base() + segment.capacity());
        sealRequested = true;
    }

    /**
     * Rolls to a new segment if {@code segment} holds anything, so that what a failed fsync may have lost is not in
     * the last segment. If its fsync fails again, writing goes on in it and an append at least
     * {@link #SEAL_RETRY_NANOS} later tries again: an fsync per write group would stall the writer on a disk whose
     * fsyncs hang rather than fail.
     */
    private Segment sealForHole(Segment segment) {
        if (segment.writeOffset() == 0) {
            sealRequested = false;
            return segment;
        }
        try {
            Segment next = roll(segment);
            sealRequested = false;
            LOG.info("Timer log sealed {} after a failed fsync and goes on in {}", segment, next);
            return next;
        } catch (IOException e) {
            nextSealAttemptNanos = System.nanoTime() + SEAL_RETRY_NANOS;
            LOG.debug("Timer log could not seal {} yet: {}", segment, e.toString());
            return active;
        }
    }

    /**
     * Whether the record at {@code position} was written before an fsync that failed since the log was opened, or
     * after it in the same segment before that was sealed: its bytes may never reach the disk, or a restart before the
     * seal would cut them, though it reads fine from memory now and a later fsync succeeds.
     */
    public boolean fsyncFailedAt(long position) {
        return failedFsyncs.contains(position);
    }

    /** Reads and verifies the record of {@code size} bytes at {@code position}. */
    public LogRecord read(long position, int size) throws IOException, CorruptRecordException {
        Segment segment = checkedSegment(position, size);
        try {
            // Decoded in the map: the record's fields are copied out once, with no buffer of the whole record.
            return segment.readMapped(position - segment.base(), size, view -> {
                if (view.remaining() < size) {
                    throw new IOException("segment " + segment + " ended after " + view.remaining()
                            + " bytes at position " + position);
                }
                return RecordCodec.decode(view, position);
            });
        } catch (ClosedChannelException e) {
            throw new SegmentGoneException(position);
        }
    }

    /** Reads and verifies the record at {@code position}, finding its size from its length field. */
    public LogRecord read(long position) throws IOException, CorruptRecordException {
        ByteBuffer head = ByteBuffer.allocate(4);
        Segment segment = segmentFor(position);
        readFully(segment, head, position);
        int size = head.getInt(0);
        if (size < RecordCodec.FIXED_HEADER_LENGTH || position - segment.base() + size > segment.capacity()) {
            throw new CorruptRecordException(position, "length field " + size + " does not fit the segment");
        }
        return read(position, size);
    }

    /** The raw, verified bytes of a record. */
    public ByteBuffer readBytes(long position, int size) throws IOException, CorruptRecordException {
        ByteBuffer buf = readUnverified(position, size);
        RecordCodec.verify(buf, position);
        return buf;
    }

    private ByteBuffer readUnverified(long position, int size) throws IOException, CorruptRecordException {
        Segment segment = checkedSegment(position, size);
        ByteBuffer buf = ByteBuffer.allocate(size);
        readFully(segment, buf, position);
        buf.flip();
        return buf;
    }

    /** The segment holding the {@code size} bytes at {@code position}, checked to be able to hold a record there. */
    private Segment checkedSegment(long position, int size) throws IOException, CorruptRecordException {
        if (size < RecordCodec.FIXED_HEADER_LENGTH) {
            throw new CorruptRecordException(position, "size " + size + " is shorter than a header");
        }
        Segment segment = segmentFor(position);
        if (position - segment.base() + size > segment.capacity()) {
            throw new CorruptRecordException(position, "size " + size + " overruns segment " + segment);
        }
        return segment;
    }

    private void readFully(Segment segment, ByteBuffer dst, long position) throws IOException {
        try {
            int n = segment.read(dst, position - segment.base());
            if (dst.hasRemaining()) {
                throw new IOException("segment " + segment + " ended after " + n + " bytes at position " + position);
            }
        } catch (ClosedChannelException e) {
            throw new SegmentGoneException(position);
        }
    }

    private Segment segmentFor(long position) throws SegmentGoneException {
        Segment segment = segments.get().floor(position);
        if (segment == null || !segment.contains(position)) {
            throw new SegmentGoneException(position);
        }
        return segment;
    }

    /**
     * Visits every valid record from {@code from} (a record boundary) to the write position, across segments. In a
     * sealed segment, damage (a record that fails its checks, a run of zeros with records after it: lost writes) is
     * stepped over to the next record that passes its checks, and told to {@code damage}; so one bad sector does
     * not hide the rest of its segment from a replay. In the active segment a record that fails its checks stops
     * the scan with that exception: opening the log cut its torn tail, so that is not expected.
     */
    public void scan(long from, RecordVisitor visitor, DamageListener damage)
            throws IOException, CorruptRecordException {
        long writeEnd = writePosition;
        Segment current = active;
        for (Segment segment : segments.get().from(Math.max(from, startPosition()))) {
            if (segment.base() >= writeEnd) {
                break;
            }
            int startOffset = (int) Math.max(0, from - segment.base());
            int limit = (int) Math.min(segment.capacity(), writeEnd - segment.base());
            boolean sealed = segment != current && limit == segment.capacity();
            SegmentScanner scanner = new SegmentScanner(segment, startOffset, limit);
            while (true) {
                int at = scanner.offset();
                ByteBuffer bytes;
                try {
                    bytes = scanner.next();
                } catch (CorruptRecordException e) {
                    if (!sealed) {
                        throw e;
                    }
                    boolean more = scanner.resync(at + 1);
                    damage.damaged(segment.base() + at, segment.base() + scanner.offset(), e.getMessage());
                    if (!more) {
                        break;
                    }
                    continue;
                }
                if (bytes == null) {
                    if (!sealed || !scanner.resync(at)) {
                        break;
                    }
                    damage.damaged(segment.base() + at, segment.base() + scanner.offset(),
                            "zeros where records continue after them (writes lost)");
                    continue;
                }
                long position = segment.base() + scanner.offset() - bytes.remaining();
                LogRecord record = RecordCodec.decode(bytes, position);
                if (!visitor.visit(new ScannedRecord(position, bytes.remaining(), record))) {
                    return;
                }
            }
        }
    }

    /** As {@link #scan(long, RecordVisitor, DamageListener)}, stepping over damage without telling anyone. */
    public void scan(long from, RecordVisitor visitor) throws IOException, CorruptRecordException {
        scan(from, visitor, (start, end, what) -> { });
    }

    /**
     * Reads every record of the sealed segment {@code base} and checks it against its CRC, stepping over a record
     * that fails, and over a run of zeros with records after it (writes lost: reported as one corrupt record at its
     * start); {@code pace} is told the bytes read as it goes (the scrubber sleeps there) and answers whether to go
     * on. Null when the segment is active, or gone (deleted or closed meanwhile).
     */
    public SegmentCheck check(long base, IntPredicate pace) throws IOException {
        Segment segment = segments.get().get(base);
        if (segment == null || segment == active) {
            return null;
        }
        SegmentScanner scanner = new SegmentScanner(segment, 0, segment.capacity());
        List<CorruptRecordException> corrupt = new ArrayList<>();
        int records = 0;
        try {
            while (true) {
                int before = scanner.offset();
                try {
                    if (scanner.next() == null) {
                        if (!scanner.resync(before)) {
                            break;
                        }
                        corrupt.add(new CorruptRecordException(base + before, (scanner.offset() - before)
                                + " bytes of zeros where records continue after them (writes lost)"));
                    } else {
                        records++;
                    }
                } catch (CorruptRecordException e) {
                    corrupt.add(e);
                    if (!scanner.resync(before + 1)) {
                        break;
                    }
                }
                if (!pace.test(scanner.offset() - before)) {
                    break;
                }
            }
        } catch (ClosedChannelException gone) {
            return null;
        }
        return new SegmentCheck(base, records, scanner.offset(), corrupt);
    }

    /** What {@link #check} found in one segment: records read, bytes checked, the corrupt ones. */
    public record SegmentCheck(long base, int records, int bytes, List<CorruptRecordException> corrupt) {
    }

    /** A description of each segment, oldest first. */
    public List<SegmentInfo> segments() {
        Segment current = active;
        SegmentTable table = segments.get();
        List<SegmentInfo> out = new ArrayList<>(table.size());
        for (Segment s : table.all()) {
            out.add(new SegmentInfo(s.base(), s.capacity(), s.writeOffset(), s == current));
        }
        return out;
    }

    /**
     * The first step of an online backup, under the caller's lock that holds the writer still: hard-links every
     * segment into {@code dir} (created), the active one under a temporary name, so that neither a deletion by space
     * reclaim nor a roll changes what the backup holds. Hard links need {@code dir} on the log's file system.
     * Returns the active segment's part written so far, to be cut out with {@link #finishBackup} once the lock is
     * given back.
     */
    public BackupPart linkForBackup(Path dir) throws IOException {
        Files.createDirectories(dir);
        Segment current = active;
        int linked = 0;
        for (Segment s : segments.get().all()) {
            if (s == current) {
                continue;
            }
            try {
                Files.createLink(dir.resolve(s.path().getFileName()), s.path());
                linked++;
            } catch (NoSuchFileException deleted) {
                // Space reclaim deleted it meanwhile: nothing in it was live, and nothing can become live there.
            }
        }
        Path activeLink = dir.resolve(current.path().getFileName() + ".part");
        Files.createLink(activeLink, current.path());
        return new BackupPart(activeLink, dir.resolve(current.path().getFileName()), current.writeOffset(),
                current.capacity(), linked);
    }

    /**
     * Writes the active segment's part a backup holds into its own file: the bytes written when
     * {@link #linkForBackup} ran, then zeros to the segment's capacity (sparse), as a segment file is made; then
     * drops the link. What the live log wrote since is not copied.
     */
    public static void finishBackup(BackupPart part) throws IOException {
        try (FileChannel from = FileChannel.open(part.link(), StandardOpenOption.READ)) {
            DurableFiles.copyPrefix(from, part.written(), part.file(), part.capacity());
        }
        Files.delete(part.link());
    }

    /**
     * The active segment as a backup holds it: a hard link to its file, the file to write, how much was written,
     * its capacity; and how many sealed segments were linked.
     */
    public record BackupPart(Path link, Path file, int written, int capacity, int sealedSegments) {
    }

    /** The base of the segment holding {@code position}, or -1 if no segment holds it. */
    public long segmentBaseOf(long position) {
        Segment segment = segments.get().floor(position);
        return segment != null && segment.contains(position) ? segment.base() : -1;
    }

    /** Deletes a sealed segment; the active one is never deleted. */
    public void deleteSegment(long base) throws IOException {
        Segment segment = segments.get().get(base);
        if (segment == null) {
            return;
        }
        if (segment == active) {
            throw new IllegalStateException("the active segment " + segment + " cannot be deleted");
        }
        segments.updateAndGet(t -> t.without(base));
        segment.closeAndDelete();
        DurableFiles.syncDirectory(dir);
        LOG.info("Timer log deleted segment {}", segment);
    }

    /** Bytes the segment files occupy by their declared size. */
    public long sizeOnDisk() {
        long total = 0;
        for (Segment s : segments.get().all()) {
            total += s.capacity();
        }
        return total;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("timer log is closed");
        }
    }

    /** Fsyncs and closes every segment. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            active.force();
        } catch (IOException e) {
            failure = e;
        }
        for (Segment s : segments.get().all()) {
            try {
                s.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Told of the damage a scan stepped over in a sealed segment: positions {@code [start, end)} and what. */
    @FunctionalInterface
    public interface DamageListener {
        void damaged(long start, long end, String what);
    }

    /** Receives records from {@link #scan}; returns false to stop. */
    @FunctionalInterface
    public interface RecordVisitor {
        boolean visit(ScannedRecord record) throws IOException;
    }

    /** Thrown when a position lies in a segment that no longer exists (deleted by space reclaim). */
    public static final class SegmentGoneException extends IOException {
        public SegmentGoneException(long position) {
            super("no timer-log segment holds position " + position + " (deleted or never written)");
        }
    }
}
