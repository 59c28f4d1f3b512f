package io.sundial.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much CPU work the machine does at once, measured before a phase starts its processes: the same arithmetic
 * loop on one thread, then on one thread per core at the same time. On a machine whose cores are its own the
 * speed-up is close to the core count; on a virtual machine whose cores share physical ones, or whose host is
 * busy, it is lower, and every figure of the run is slower with it. Sessions of this project measured 1.5 on two
 * cores at a time when the 10 s scenario's p99 doubled, so the report carries it to tell a slower machine from a
 * slower Sundial.
 */
final class MachineCheck {
    /** Arithmetic per core: {@code singleMops} million loop steps a second on one thread, and the speed-up on all. */
    record Result(int cores, double singleMops, double parallelSpeedup) {
        String line() {
            return String.format(Locale.ROOT, "machine: %d cores, %.0f M steps/s on one, %.2f× that on %d"
                    + " at once", cores, singleMops, parallelSpeedup, cores);
        }
    }

    private MachineCheck() {
    }

    /** Warms the loop, then measures one thread and {@code cores} threads for {@code each} apiece. */
    static Result measure(int cores, Duration each) throws InterruptedException {
        run(1, each.dividedBy(2));
        double single = run(1, each);
        double all = run(cores, each);
        return new Result(cores, single / 1e6, all / single);
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
