package io.sundial.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much CPU work the machine does at once, measured before a phase starts its processes: the same arithmetic
 * loop on one thread, then on one thread per core at the same time. On a machine whose cores are its own the
 * speed-up is close to the core count; on a virtual machine whose cores share physical ones, or whose host is
 * busy, it is lower, and every figure of the run is slower with it. Early in the sixth session a plain loop ran
 * only 1.55 times as fast on this machine's two cores as on one, while the 10 s scenario's p99 on unchanged code was
 * twice the fifth session's; the report carries the figure so that a slower machine is not read as a slower
 * Sundial.
 */
final class MachineCheck {
    /**
     * Arithmetic per core: {@code singleMops} million loop steps a second on one thread, and the speed-up on all;
     * {@code memoryNs}: nanoseconds per dependent random read of a {@value MachineCheck#CHASE_MIB} MiB array (the
     * caches miss, so this is the memory's latency, which a busy neighbour on the host raises while arithmetic stays
     * as fast).
     */
    record Result(int cores, double singleMops, double parallelSpeedup, double memoryNs) {
        String line() {
            return String.format(Locale.ROOT, "machine: %d cores, %.0f M steps/s on one, %.2f× that on %d"
                    + " at once, %.0f ns per random memory read", cores, singleMops, parallelSpeedup, cores, memoryNs);
        }
    }

    static final int CHASE_MIB = 64;

    private MachineCheck() {
    }

    /** Warms the loop, then measures one thread and {@code cores} threads for {@code each} apiece. */
    static Result measure(int cores, Duration each) throws InterruptedException {
        run(1, each.dividedBy(2));
        double single = run(1, each);
        double all = run(cores, each);
        return new Result(cores, single / 1e6, all / single, chase(each));
    }

    /** Nanoseconds per step of a walk through one random cycle over the whole array (each read needs the last). */
    private static double chase(Duration each) {
        int n = CHASE_MIB * 1024 * 1024 / Integer.BYTES;
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i;
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = n - 1; i > 0; i--) { // Sattolo's shuffle: a single cycle through every slot
            int j = random.nextInt(i);
            int t = next[i];
            next[i] = next[j];
            next[j] = t;
        }
        long deadline = System.nanoTime() + each.toNanos();
        long began = System.nanoTime();
        long steps = 0;
        int at = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 10_000; i++) {
                at = next[at];
            }
            steps += 10_000;
        }
        double ns = (double) (System.nanoTime() - began) / steps;
        return at == -1 ? -1 : ns; // `at` is used, so the walk is not dead code
    }

    /** Loop steps per second of {@code threads} threads together. */
    private static double run(int threads, Duration each) throws InterruptedException {
        AtomicLong steps = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        long[] sink = new long[threads]; // where each loop's result goes, so that the loop is not dead code
        for (int t = 0; t < threads; t++) {
            int slot = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long deadline = System.nanoTime() + each.toNanos();
                long x = slot + 1;
                long n = 0;
                while (System.nanoTime() < deadline) {
                    for (int i = 0; i < 100_000; i++) {
                        x ^= x << 13; // xorshift: no memory traffic, nothing the compiler can fold away
                        x ^= x >>> 7;
                        x ^= x << 17;
                    }
                    n += 100_000;
                }
                sink[slot] = x;
                steps.addAndGet(n);
            }, "machine-check-" + t);
            w.setDaemon(true);
            workers.add(w);
            w.start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        return steps.get() / (each.toNanos() / 1e9); // each thread ran for `each` (to within one 100,000-step round)
    }
}
