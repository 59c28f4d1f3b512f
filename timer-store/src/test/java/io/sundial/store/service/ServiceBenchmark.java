package io.sundial.store.service;

import io.sundial.store.AppendRequest;
import io.sundial.store.StoreConfig;
import io.sundial.store.TestMessages;
import io.sundial.store.TimerStore;
import io.sundial.store.log.DurableFiles;
import io.sundial.store.log.FlushMode;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.time.Clock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A rough check of {@link TimerService} on the real clock and real threads, not a test.
 *
 * <ul>
 *   <li>{@code backlog [timers, default 1000000]}: preloads timers already due over 16 lanes, starts the service
 *       with a dispatcher that delivers at once, and measures fired and acknowledged timers per second until every
 *       one is acknowledged (target 200,000/s).</li>
 *   <li>{@code restart [timers, default 1000000] [SYNC_FLUSH|ASYNC_FLUSH]}: stores that many timers due in an
 *       hour to a week, then measures restarts: after a clean close (three times), and after a "crash" (twice,
 *       from a copy of the store taken while it was open, as a SIGKILL leaves it: RocksDB replays its WAL, the
 *       log's tail is checked); each from opening the store to the timer service started (serving).</li>
 *   <li>{@code latency [seconds, default 20] [rate/s, default 10000]}: appends timers due 0.5 to 3 s ahead at a
 *       steady rate (after 5 s of the same load to warm the JIT, not recorded) and records, for each, how late the dispatcher was called (wall clock at the call, in
 *       microseconds, minus the due millisecond); prints p50/p99/p99.9/max (target p99 at most 2 ms).</li>
 *   <li>{@code prepare DIR [timers, default 1000000]}: leaves a store with that many timers pending (as
 *       {@code restart}) in {@code DIR}, kept, to time a whole {@code bin/sundial start} on it.</li>
 * </ul>
 * Usage: {@code mvn -q -pl timer-store test-compile exec:java -Dexec.mainClass=io.sundial.store.service.ServiceBenchmark
 * -Dexec.args="backlog 1000000"}; {@code -Dservice.<key>=<value>} overrides a {@link ServiceConfig} key. Stores live in a temporary directory, deleted afterwards; ASYNC_FLUSH.
 */
public final class ServiceBenchmark {
    private static final int WARMUP_SECONDS = 5;

    private ServiceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "backlog";
        if (mode.equals("prepare")) {
            prepare(Path.of(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000);
            return;
        }
        Path dir = Files.createTempDirectory("sundial-service-bench");
        try {
            if (mode.equals("backlog")) {
                backlog(dir, args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000);
            } else if (mode.equals("latency")) {
                latency(dir, args.length > 1 ? Integer.parseInt(args[1]) : 20,
                        args.length > 2 ? Integer.parseInt(args[2]) : 10_000);
            } else if (mode.equals("restart")) {
                restart(dir, args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000,
                        args.length > 2 ? FlushMode.valueOf(args[2]) : FlushMode.ASYNC_FLUSH);
            } else {
                throw new IllegalArgumentException("mode must be backlog, latency, restart or prepare, got " + mode);
            }
        } finally {
            DurableFiles.deleteTree(dir);
        }
    }

    /** The defaults, with any {@code -Dservice.<key>=<value>} system property applied. */
    private static ServiceConfig config() {
        Properties props = new Properties();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("service."))
                .forEach(k -> props.setProperty(k.substring("service.".length()), System.getProperty(k)));
        return ServiceConfig.fromProperties(props);
    }

    private static StoreConfig storeConfig(Path dir) {
        // No background reclaim: TimerStore.close() interrupts a pass in progress, which fails on a closed channel.
        return StoreConfig.defaults().withStorePath(dir).withFlushMode(FlushMode.ASYNC_FLUSH)
                .withIndexMemoryBudget(256L << 20).withReclaimIntervalMs(0);
    }

    private static void backlog(Path dir, int timers) throws Exception {
        ServiceConfig config = config();
        System.out.printf("Backlog: %,d timers due in the past over 16 lanes, %s, %d CPUs, JVM %s%n", timers, config,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        try (TimerStore store = TimerStore.open(storeConfig(dir), Clock.SYSTEM)) {
            long now = System.currentTimeMillis();
            long start = System.nanoTime();
            for (int chunk = 0; chunk * 10_000 < timers; chunk++) {
                List<AppendRequest> requests = new ArrayList<>(10_000);
                for (int i = 0; i < 10_000 && chunk * 10_000 + i < timers; i++) {
                    TimerMessage m = SchedulerBoundTest.onQueue(
                            TestMessages.message("T" + i % 4, chunk + "-" + i, null, "body-" + i), i / 4 % 4);
                    requests.add(new AppendRequest(m, now - 60_000 + i % 1000));
                }
                store.appendAll(requests).get(60, TimeUnit.SECONDS);
            }
            System.out.printf("  preloaded in %,d ms; %,d pending%n", ms(start), store.pendingCount());
            Dispatcher instant = (lane, due) -> CompletableFuture.completedFuture(
                    due.stream().map(t -> Outcome.delivered()).toList());
            start = System.nanoTime();
            try (TimerService service = new TimerService(store, instant, config, Clock.SYSTEM).start()) {
                long lastReport = start;
                while (service.stats().delivered() < timers) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                        lastReport = System.nanoTime();
                        System.out.printf("  ... %s%n", service.stats());
                    }
                }
                long elapsed = System.nanoTime() - start;
                System.out.printf("  fired and acknowledged %,d in %,d ms: %,.0f timers/s%n", timers,
                        elapsed / 1_000_000, timers * 1e9 / elapsed);
                System.out.printf("  %s; %,d still pending%n", service.stats(), store.pendingCount());
            }
        }
    }

    private static void restart(Path dir, int timers, FlushMode flush) throws Exception {
        StoreConfig storeConfig = storeConfig(dir).withFlushMode(flush).withIndexMemoryBudget(64L << 20);
        Path crashed = dir.resolveSibling(dir.getFileName() + "-crashed");
        System.out.printf("Restart: %,d pending timers (1 KiB), %s, %d CPUs%n", timers, flush,
                Runtime.getRuntime().availableProcessors());
        try (TimerStore store = TimerStore.open(storeConfig, Clock.SYSTEM)) {
            storePending(store, timers);
            System.out.printf("  stored; log %,d MB%n", store.stats().logBytes() >> 20);
            try {
                copyTree(dir, crashed); // what a SIGKILL leaves: memtables and the log tail not flushed
            } catch (java.nio.file.NoSuchFileException compactedMeanwhile) {
                DurableFiles.deleteTree(crashed);
                copyTree(dir, crashed);
            }
        }
        for (int run = 1; run <= 2; run++) {
            Path copy = dir.resolveSibling(dir.getFileName() + "-crash" + run);
            copyTree(crashed, copy);
            long start = System.nanoTime();
            try (TimerStore store = TimerStore.open(storeConfig.withStorePath(copy), Clock.SYSTEM);
                 TimerService service = new TimerService(store, (lane, due) -> CompletableFuture.completedFuture(
                         due.stream().map(t -> Outcome.delivered()).toList()), config(), Clock.SYSTEM).start()) {
                System.out.printf("  restart %d after a crash: serving %,d ms; %,d pending; %s%n", run,
                        (System.nanoTime() - start) / 1_000_000, store.pendingCount(), store.recoveryReport());
            } finally {
                DurableFiles.deleteTree(copy);
            }
        }
        DurableFiles.deleteTree(crashed);
        for (int run = 1; run <= 3; run++) {
            long start = System.nanoTime();
            try (TimerStore store = TimerStore.open(storeConfig, Clock.SYSTEM);
                 TimerService service = new TimerService(store, (lane, due) -> CompletableFuture.completedFuture(
                         due.stream().map(t -> Outcome.delivered()).toList()), config(), Clock.SYSTEM).start()) {
                long opened = System.nanoTime();
                System.out.printf("  restart %d after a clean close: store open %,d ms, serving (service started) "
                        + "%,d ms; %,d pending; %s%n", run, (opened - start) / 1_000_000,
                        (System.nanoTime() - start) / 1_000_000, store.pendingCount(), store.recoveryReport());
            }
        }
    }

    /** {@code timers} 1 KiB timers over 8 topics, due in an hour to a week. */
    private static void storePending(TimerStore store, int timers) throws Exception {
        long now = System.currentTimeMillis();
        String body = "x".repeat(1024);
        for (int chunk = 0; chunk * 10_000 < timers; chunk++) {
            List<AppendRequest> requests = new ArrayList<>(10_000);
            for (int i = 0; i < 10_000 && chunk * 10_000 + i < timers; i++) {
                int n = chunk * 10_000 + i;
                requests.add(new AppendRequest(TestMessages.message("T" + n % 8, "r" + n, null, body),
                        now + 3_600_000 + (n * 7_919L % 7) * 86_400_000L));
            }
            store.appendAll(requests).get(60, TimeUnit.SECONDS);
        }
    }

    /** Leaves a store of {@code timers} pending in {@code storeDir}, for timing a whole {@code bin/sundial start}. */
    private static void prepare(Path storeDir, int timers) throws Exception {
        try (TimerStore store = TimerStore.open(storeConfig(storeDir).withIndexMemoryBudget(64L << 20),
                Clock.SYSTEM)) {
            storePending(store, timers);
            System.out.printf("Prepared %s: %,d pending, log %,d MB%n", storeDir, store.pendingCount(),
                    store.stats().logBytes() >> 20);
        }
    }

    private static void latency(Path dir, int seconds, int rate) throws Exception {
        ServiceConfig config = config();
        int warmup = WARMUP_SECONDS * rate;
        int total = warmup + seconds * rate;
        long[] lateMicros = new long[total + 1_000];
        long[] fireLateMs = new long[total + 1_000];
        AtomicInteger n = new AtomicInteger();
        Dispatcher recording = (lane, due) -> {
            Instant at = Instant.now();
            long atMicros = at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000;
            for (DueTimer t : due) {
                if (Integer.parseInt(t.entry().uniqKey().substring(1)) < warmup) {
                    continue; // appended while the JIT warmed up
                }
                int i = n.getAndIncrement();
                if (i < lateMicros.length) {
                    lateMicros[i] = atMicros - t.entry().dueMs() * 1_000;
                    fireLateMs[i] = t.firedAtMs() - t.entry().dueMs();
                }
            }
            return CompletableFuture.completedFuture(due.stream().map(t -> Outcome.delivered()).toList());
        };
        System.out.printf("Latency: %,d timers/s for %d s, due 0.5 to 3 s ahead, %s, %d CPUs%n", rate, seconds,
                config, Runtime.getRuntime().availableProcessors());
        try (TimerStore store = TimerStore.open(storeConfig(dir), Clock.SYSTEM);
             TimerService service = new TimerService(store, recording, config, Clock.SYSTEM).start()) {
            SplittableRandom random = new SplittableRandom(5);
            long start = System.nanoTime();
            int appended = 0;
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            while (appended < total) {
                long shouldHave = Math.min(total, (System.nanoTime() - start) * rate / 1_000_000_000L);
                if (appended < shouldHave) {
                    int batch = (int) (shouldHave - appended);
                    List<AppendRequest> requests = new ArrayList<>(batch);
                    long now = System.currentTimeMillis();
                    for (int i = 0; i < batch; i++, appended++) {
                        requests.add(new AppendRequest(TestMessages.message("T" + appended % 8, "k" + appended,
                                null, "x"), now + 500 + random.nextInt(2_500)));
                    }
                    inFlight.add(store.appendAll(requests));
                    inFlight.removeIf(CompletableFuture::isDone);
                }
                LockSupport.parkNanos(200_000);
            }
            for (CompletableFuture<?> f : inFlight) {
                f.get(10, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (service.stats().delivered() < total && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            int count = Math.min(n.get(), lateMicros.length);
            long[] late = Arrays.copyOf(lateMicros, count);
            Arrays.sort(late);
            System.out.printf("  recorded %,d of %,d (after a %d s warm-up); never early: %s%n", count,
                    total - warmup, WARMUP_SECONDS,
                    count == 0 || late[0] >= 0 ? "yes" : "NO, earliest " + late[0] + " us");
            System.out.printf("  lateness at the dispatcher call (us): p50 %,d  p99 %,d  p99.9 %,d  max %,d%n",
                    pct(late, 0.50), pct(late, 0.99), pct(late, 0.999), late.length == 0 ? 0 : late[count - 1]);
            long[] fired = Arrays.copyOf(fireLateMs, count);
            Arrays.sort(fired);
            System.out.printf("  lateness of the wheel's firing (ms, wall-clock resolution): p50 %d  p99 %d  p99.9 %d"
                    + "  max %d%n", pct(fired, 0.50), pct(fired, 0.99), pct(fired, 0.999),
                    fired.length == 0 ? 0 : fired[count - 1]);
            System.out.printf("  %s%n", service.stats());
        }
    }

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("LOCK")) {
                    Files.copy(p, target);
                }
            }
        }
    }

}
