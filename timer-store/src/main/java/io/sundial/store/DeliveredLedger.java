package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.log.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import java.util.function.LongUnaryOperator;
import java.util.stream.Stream;

/**
 * The delivered timers whose records may still be in the timer log: what an index rebuilt from the log must not
 * bring back (decision 0050). An acknowledgement lives in the index; the log has no record of it, so without this a
 * rebuild delivered again every delivered timer whose segment was still on disk, weeks old ones included.
 *
 * <p>Directory {@value #DIR} in the store directory, files {@code <number>.ledger} of {@link PairBlocks} of
 * {@code (seq, record position)}, appended without fsync (what a power loss takes is delivered again by a rebuild:
 * at least once). A sequence is never handed out twice (decision 0049), so the entries are a set: their order and
 * their file mean nothing, and an entry twice is harmless. An entry is needed while the segment that held the
 * timer's record exists; the store's reclaim pass deletes files none of whose entries are needed and, once the
 * stale entries of the sealed files outnumber the needed ones, rewrites the needed ones into one file.
 *
 * <p>Thread-safe: appends, reclaim and backups take its lock; a rewrite reads and writes outside it.
 */
final class DeliveredLedger implements AutoCloseable {
    static final String DIR = "delivered";
    private static final String SUFFIX = ".ledger";
    private static final String TMP_SUFFIX = ".tmp";
    private static final Logger LOG = LoggerFactory.getLogger(DeliveredLedger.class);
    /** The file appended to is sealed at this size (about a million entries), so that it can be reclaimed. */
    static final long ROLL_BYTES = 16L << 20;
    /** Sealed files are rewritten only once they hold at least this many stale entries (1 MB). */
    static final long MIN_STALE_TO_REWRITE = 65_536;

    private final Path dir;
    /** The base of the log segment holding a position, or -1 if none does ({@code TimerLog#segmentBaseOf}). */
    private final LongUnaryOperator segmentOf;
    private final long rollBytes;
    private final long minStaleToRewrite;
    /** Guarded by this: every file, by number. */
    private final TreeMap<Long, LedgerFile> files = new TreeMap<>();
    /** Guarded by this: the file appended to (at open, the highest numbered). */
    private LedgerFile active;
    /** Guarded by this: the number of the next file, rolled to or rewritten. */
    private long nextNumber;
    private boolean closed;

    private DeliveredLedger(Path dir, LongUnaryOperator segmentOf, long rollBytes, long minStaleToRewrite) {
        this.dir = dir;
        this.segmentOf = segmentOf;
        this.rollBytes = rollBytes;
        this.minStaleToRewrite = minStaleToRewrite;
    }

    static DeliveredLedger open(Path storeDir, LongUnaryOperator segmentOf) throws IOException {
        return open(storeDir, segmentOf, ROLL_BYTES, MIN_STALE_TO_REWRITE);
    }

    /** As {@link #open(Path, LongUnaryOperator)} with other sizes (tests). */
    static DeliveredLedger open(Path storeDir, LongUnaryOperator segmentOf, long rollBytes, long minStaleToRewrite)
            throws IOException {
        Path dir = storeDir.resolve(DIR);
        Files.createDirectories(dir);
        DeliveredLedger ledger = new DeliveredLedger(dir, segmentOf, rollBytes, minStaleToRewrite);
        ledger.load();
        return ledger;
    }

    private void load() throws IOException {
        List<Path> paths;
        try (Stream<Path> entries = Files.list(dir)) {
            paths = entries.toList();
        }
        for (Path p : paths) {
            String name = p.getFileName().toString();
            if (name.endsWith(TMP_SUFFIX)) {
                Files.delete(p); // a rewrite that did not finish: the files it was to replace are all still here
            } else if (name.endsWith(SUFFIX)) {
                long number = numberOf(name);
                if (number < 0) {
                    LOG.warn("Ignoring {} in the ledger of delivered timers: not a name the ledger writes", p);
                    continue;
                }
                LedgerFile f = new LedgerFile(number, p);
                long size = Files.size(p);
                SegmentRuns runs = new SegmentRuns(f);
                try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
                    f.size = PairBlocks.read(c, size, (seq, position) -> runs.add(segmentOf.applyAsLong(position)));
                }
                runs.flush();
                if (f.size < size) {
                    LOG.warn("The ledger of delivered timers {} ends in {} bytes that do not read as whole blocks (a"
                            + " crash while appending, or damage): the timers they named would be delivered again by"
                            + " an index rebuilt from the log", p, size - f.size);
                }
                files.put(number, f);
            }
        }
        if (files.isEmpty()) {
            files.put(0L, new LedgerFile(0, dir.resolve(name(0))));
        }
        active = files.lastEntry().getValue();
        nextNumber = active.number + 1;
        active.channel = FileChannel.open(active.path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        active.channel.truncate(active.size); // appends must follow the last whole block to be read again
    }

    /** The number a ledger file's name carries, or -1 if it is not such a name. */
    private static long numberOf(String name) {
        String digits = name.substring(0, name.length() - SUFFIX.length());
        if (digits.length() != 20 || !digits.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Long.parseLong(digits);
    }

    private static String name(long number) {
        return String.format("%020d%s", number, SUFFIX);
    }

    /** Records that {@code delivered} were delivered. On failure none of them is recorded (the caller logs it). */
    synchronized void record(List<DueEntry> delivered) throws IOException {
        if (delivered.isEmpty() || closed) {
            return;
        }
        int n = delivered.size();
        long[] seqs = new long[n];
        long[] positions = new long[n];
        for (int i = 0; i < n; i++) {
            seqs[i] = delivered.get(i).seq();
            positions[i] = delivered.get(i).position();
        }
        active.size = PairBlocks.write(active.channel, active.size, seqs, positions, n);
        SegmentRuns runs = new SegmentRuns(active);
        for (long position : positions) {
            runs.add(segmentOf.applyAsLong(position));
        }
        runs.flush();
        if (active.size >= rollBytes) {
            roll();
        }
    }

    private void roll() throws IOException {
        long number = nextNumber++;
        LedgerFile next = new LedgerFile(number, dir.resolve(name(number)));
        next.channel = FileChannel.open(next.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        active.channel.close();
        active.channel = null;
        files.put(next.number, next);
        active = next;
    }

    /** The sequences of every timer recorded, sorted, each once: for a rebuild of the index. */
    long[] deliveredSeqs() throws IOException {
        Map<Path, Long> sizes = new HashMap<>();
        synchronized (this) {
            files.values().forEach(f -> sizes.put(f.path, f.size));
        }
        LongList seqs = new LongList();
        for (Map.Entry<Path, Long> f : sizes.entrySet()) {
            try (FileChannel c = FileChannel.open(f.getKey(), StandardOpenOption.READ)) {
                PairBlocks.read(c, f.getValue(), (seq, position) -> seqs.add(seq));
            }
        }
        return seqs.sortedDistinct();
    }

    /** Entries recorded in every file, stale ones included. */
    synchronized long entries() {
        long total = 0;
        for (LedgerFile f : files.values()) {
            total += f.entries;
        }
        return total;
    }

    /** Bytes of every file (their valid part). */
    synchronized long bytes() {
        long total = 0;
        for (LedgerFile f : files.values()) {
            total += f.size;
        }
        return total;
    }

    /** Files on disk. */
    synchronized int files() {
        return files.size();
    }

    /**
     * Forgets what no rebuild needs any more: deletes the sealed files none of whose timers' segments exist, and
     * rewrites the others into one file once their stale entries are at least {@code minStaleToRewrite} and at
     * least as many as the needed ones. Called by the reclaim pass, one at a time. Returns the entries forgotten.
     */
    long reclaim() throws IOException {
        List<LedgerFile> sealed;
        synchronized (this) {
            sealed = new ArrayList<>(files.values());
            sealed.remove(active);
        }
        long forgotten = 0;
        long needed = 0;
        long stale = 0;
        List<LedgerFile> gone = new ArrayList<>();
        List<LedgerFile> kept = new ArrayList<>();
        for (LedgerFile f : sealed) {
            long n = f.needed(this::segmentExists);
            if (n == 0) {
                forgotten += f.entries;
                gone.add(f);
            } else {
                kept.add(f);
                needed += n;
                stale += f.entries - n;
            }
        }
        if (!gone.isEmpty()) {
            delete(gone, null);
        }
        if (stale >= minStaleToRewrite && stale >= needed) {
            forgotten += rewrite(kept);
        }
        return forgotten;
    }

    private boolean segmentExists(long base) {
        return base >= 0 && segmentOf.applyAsLong(base) == base;
    }

    /** Writes the needed entries of {@code from} to one new file, then deletes them; returns the entries dropped. */
    private long rewrite(List<LedgerFile> from) throws IOException {
        long number;
        synchronized (this) {
            number = nextNumber++;
        }
        LedgerFile to = new LedgerFile(number, dir.resolve(name(number)));
        Path tmp = dir.resolve(name(number) + TMP_SUFFIX);
        LongList seqs = new LongList();
        LongList positions = new LongList();
        SegmentRuns runs = new SegmentRuns(to);
        long before = 0;
        for (LedgerFile f : from) {
            before += f.entries;
            try (FileChannel c = FileChannel.open(f.path, StandardOpenOption.READ)) {
                PairBlocks.read(c, f.size, (seq, position) -> {
                    long segment = segmentOf.applyAsLong(position);
                    if (segment >= 0) {
                        seqs.add(seq);
                        positions.add(position);
                        runs.add(segment);
                    }
                });
            }
        }
        runs.flush();
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            to.size = PairBlocks.write(out, 0, seqs.values(), positions.values(), seqs.size());
            out.force(true);
            Files.move(tmp, to.path, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp); // the files it was to replace are all still there
            throw e;
        }
        DurableFiles.syncDirectory(dir);
        delete(from, to);
        LOG.info("The ledger of delivered timers rewrote {} files into one: {} entries kept, {} forgotten",
                from.size(), to.entries, before - to.entries);
        return before - to.entries;
    }

    /** Deletes {@code gone} and adds {@code replacement} (if any) in one step of the table, then on disk. */
    private void delete(List<LedgerFile> gone, LedgerFile replacement) throws IOException {
        synchronized (this) {
            if (replacement != null) {
                files.put(replacement.number, replacement); // sealed, though numbered after the active file
            }
            for (LedgerFile f : gone) {
                files.remove(f.number);
                Files.deleteIfExists(f.path);
            }
        }
        DurableFiles.syncDirectory(dir);
    }

    /** Hard-links the sealed files into {@code backupDir}/{@value #DIR} (same file system); copies the active one. */
    synchronized void copyTo(Path backupDir) throws IOException {
        Path to = backupDir.resolve(DIR);
        Files.createDirectories(to);
        for (LedgerFile f : files.values()) {
            if (f == active) {
                DurableFiles.copyPrefix(active.channel, active.size, to.resolve(f.path.getFileName()), active.size);
            } else {
                Files.createLink(to.resolve(f.path.getFileName()), f.path);
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            active.channel.close();
        }
    }

    /** One file: its number, its valid size and how many of its entries each log segment holds the record of. */
    private static final class LedgerFile {
        final long number;
        final Path path;
        /** The active file's channel; null once sealed (sealed files are opened to be read). */
        FileChannel channel;
        long size;
        long entries;
        final Map<Long, Long> bySegment = new HashMap<>();

        LedgerFile(long number, Path path) {
            this.number = number;
            this.path = path;
        }

        void count(long segment, long n) {
            bySegment.merge(segment, n, Long::sum);
            entries += n;
        }

        long needed(LongPredicate segmentExists) {
            long n = 0;
            for (Map.Entry<Long, Long> e : bySegment.entrySet()) {
                if (segmentExists.test(e.getKey())) {
                    n += e.getValue();
                }
            }
            return n;
        }
    }

    /**
     * Counts a file's entries per segment a run at a time: consecutive entries mostly share a segment, and a map
     * update for each of a million entries would cost more than reading them.
     */
    private static final class SegmentRuns {
        private final LedgerFile into;
        private long segment;
        private long run;

        SegmentRuns(LedgerFile into) {
            this.into = into;
        }

        void add(long entrySegment) {
            if (run > 0 && entrySegment != segment) {
                flush();
            }
            segment = entrySegment;
            run++;
        }

        void flush() {
            if (run > 0) {
                into.count(segment, run);
                run = 0;
            }
        }
    }

    /** A growable array of longs, so that a million entries are not a million boxes. */
    private static final class LongList {
        private long[] values = new long[1024];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        long[] values() {
            return values;
        }

        long[] sortedDistinct() {
            long[] sorted = Arrays.copyOf(values, size);
            Arrays.sort(sorted);
            int n = 0;
            for (int i = 0; i < sorted.length; i++) {
                if (n == 0 || sorted[i] != sorted[n - 1]) {
                    sorted[n++] = sorted[i];
                }
            }
            return Arrays.copyOf(sorted, n);
        }
    }
}
