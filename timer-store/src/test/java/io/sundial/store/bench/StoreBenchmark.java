package io.sundial.store.bench;

import io.sundial.store.AppendResult;
import io.sundial.store.StoreConfig;
import io.sundial.store.TimerStore;
import io.sundial.store.index.DueEntry;
import io.sundial.store.log.FlushMode;
import io.sundial.store.record.MessageProperties;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.time.Clock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Benchmark of the timer store (not a test): appends/s under each flush mode with 1 KiB bodies and several
 * writer threads keeping appends in flight, due-index range reads/s, and memory with many pending timers.
 *
 * <pre>
 * mvn -q -pl timer-store test-compile exec:java -Dexec.mainClass=io.sundial.store.bench.StoreBenchmark \
 *     -Dexec.args="append SYNC_FLUSH 500000 8"
 * modes: append FLUSH N THREADS | scan N | pending N
 * </pre>
 * Data goes to a temporary directory (or -Dsundial.bench.dir) that is deleted afterwards.
 */
public final class StoreBenchmark {
    private static final int BODY = 1024;
    private static final int IN_FLIGHT_PER_THREAD = 256;

    private StoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "append";
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("sundial.bench.dir",
                System.getProperty("java.io.tmpdir"))), "sundial-bench");
        try {
            switch (mode) {
                case "append" -> append(dir, FlushMode.valueOf(arg(args, 1, "ASYNC_FLUSH")),
                        Integer.parseInt(arg(args, 2, "500000")), Integer.parseInt(arg(args, 3, "8")));
                case "scan" -> scan(dir, Integer.parseInt(arg(args, 1, "1000000")));
                case "pending" -> pending(dir, Integer.parseInt(arg(args, 1, "10000000")));
                default -> throw new IllegalArgumentException("unknown mode " + mode);
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static String arg(String[] args, int i, String def) {
        return args.length > i ? args[i] : def;
    }

    private static StoreConfig config(Path dir, FlushMode flush) {
        return StoreConfig.defaults().withStorePath(dir).withFlushMode(flush).withReclaimIntervalMs(0);
    }

    static TimerMessage message(String topic, long i, byte[] body) {
        String props = MessageProperties.with("", MessageProperties.UNIQ_KEY,
                String.format("7F0000010001%020X", i));
        props = MessageProperties.with(props, MessageProperties.KEYS, "order-" + i);
        props = MessageProperties.with(props, "TAGS", "bench");
        return new TimerMessage(topic, (int) (i & 7), "broker-a", "TBW102", 8, "bench-group", 0, 0,
                System.currentTimeMillis(), "127.0.0.1:50000", 0, props, body);
    }

    /** Appends {@code n} timers from {@code threads} threads, each keeping 256 appends in flight. */
    static long[] load(TimerStore store, int n, int threads, long dueBase, long dueSpreadMs) throws Exception {
        byte[] body = new byte[BODY];
        ThreadLocalRandom.current().nextBytes(body);
        AtomicLong next = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                Semaphore window = new Semaphore(IN_FLIGHT_PER_THREAD);
                long i;
                while ((i = next.getAndIncrement()) < n) {
                    window.acquireUninterruptibly();
                    long due = dueBase + (dueSpreadMs == 0 ? 0 : Math.floorMod(i * 7919, dueSpreadMs));
                    CompletableFuture<AppendResult> f = store.append(message("bench-" + (i % 16), i, body), due);
                    f.whenComplete((r, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        }
                        window.release();
                    });
                }
                window.acquireUninterruptibly(IN_FLIGHT_PER_THREAD);
            });
            writers.add(w);
        }
        long start = System.nanoTime();
        writers.forEach(Thread::start);
        for (Thread w : writers) {
            w.join();
        }
        return new long[] {System.nanoTime() - start, failed.get()};
    }

    private static void append(Path dir, FlushMode flush, int n, int threads) throws Exception {
        try (TimerStore store = TimerStore.open(config(dir, flush), Clock.SYSTEM)) {
            load(store, Math.min(n / 10, 100_000), threads, System.currentTimeMillis() + 3_600_000, 600_000);
            long before = store.stats().fsyncs();
            long[] r = load(store, n, threads, System.currentTimeMillis() + 3_600_000, 600_000);
            double secs = r[0] / 1e9;
            long fsyncs = store.stats().fsyncs() - before;
            System.out.printf(Locale.ROOT, "append %s: %d timers of %d B from %d threads (%d in flight each) in "
                            + "%.2f s = %,.0f appends/s, %d failed, %d fsyncs (%.1f appends per fsync)%n", flush, n,
                    BODY, threads, IN_FLIGHT_PER_THREAD, secs, n / secs, r[1], fsyncs,
                    fsyncs == 0 ? 0.0 : (double) n / fsyncs);
        }
    }

    private static void scan(Path dir, int n) throws Exception {
        try (TimerStore store = TimerStore.open(config(dir, FlushMode.ASYNC_FLUSH), Clock.SYSTEM)) {
            load(store, n, 4, System.currentTimeMillis() + 3_600_000, 3_600_000);
            for (int round = 0; round < 3; round++) {
                long start = System.nanoTime();
                long read = 0;
                long afterDue = 0;
                long afterSeq = Long.MAX_VALUE;
                List<DueEntry> page;
                while (!(page = store.scanDue(afterDue, afterSeq, Long.MAX_VALUE, 4096)).isEmpty()) {
                    read += page.size();
                    DueEntry last = page.get(page.size() - 1);
                    afterDue = last.dueMs();
                    afterSeq = last.seq();
                }
                double secs = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "due-index range read, round %d: %,d entries in %.2f s = %,.0f "
                        + "entries/s (pages of 4096)%n", round, read, secs, read / secs);
            }
        }
    }

    private static void pending(Path dir, int n) throws Exception {
        try (TimerStore store = TimerStore.open(config(dir, FlushMode.ASYNC_FLUSH), Clock.SYSTEM)) {
            long[] r = load(store, n, 8, System.currentTimeMillis() + 3_600_000, 86_400_000);
            System.gc();
            Runtime rt = Runtime.getRuntime();
            long heapUsed = rt.totalMemory() - rt.freeMemory();
            System.out.printf(Locale.ROOT, "pending: %,d timers stored in %.1f s; heap used after GC %d MiB "
                            + "(max %d MiB); RSS %d MiB; index cache+memtables %d MiB; log %d MiB, index %d MiB on disk%n",
                    store.pendingCount(), r[0] / 1e9, heapUsed >> 20, rt.maxMemory() >> 20, rssMiB(),
                    store.stats().indexCacheBytes() >> 20, store.stats().logBytes() >> 20,
                    store.stats().indexBytes() >> 20);
        }
    }

    static long rssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
            }
        }
        return -1;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }
}
