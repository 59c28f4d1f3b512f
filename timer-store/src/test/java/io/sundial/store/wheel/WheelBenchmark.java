package io.sundial.store.wheel;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A rough throughput and memory check of {@link TimingWheel}, not a test. Adds N timers due over a span, then
 * steps time one millisecond at a time, firing with a cap per call as a runner would.
 *
 * <p>Usage: {@code WheelBenchmark [timers, default 1000000]}. Numbers vary by machine; JMH would be more careful.
 * Memory figures are steadiest with {@code -XX:+UseSerialGC}.
 */
public final class WheelBenchmark {
    private static final long START = 1_700_000_000_000L;
    private static final int CAP = 10_000;

    private WheelBenchmark() {
    }

    public static void main(String[] args) {
        int timers = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        System.out.printf("TimingWheel benchmark: %,d timers, %s, cap %,d per advance, JVM %s%n",
            timers, WheelConfig.DEFAULT, CAP, System.getProperty("java.version"));
        // Warm the JIT on the same code paths before measuring.
        for (int round = 0; round < 3; round++) {
            run(timers / 5, 1_000, false);
            run(timers / 5, TimeUnit.MINUTES.toMillis(5), false);
        }
        run(timers, 1_000, true);
        run(timers, TimeUnit.MINUTES.toMillis(5), true);
        memoryPerTimer(timers);
    }

    private static void run(int timers, long spanMs, boolean print) {
        TimerRef[] refs = refs(timers, spanMs);
        TimingWheel wheel = new TimingWheel(START, WheelConfig.DEFAULT);
        long insertStart = System.nanoTime();
        for (TimerRef ref : refs) {
            wheel.add(ref);
        }
        long insertNanos = System.nanoTime() - insertStart;

        long[] fired = {0};
        Consumer<TimerRef> sink = ref -> fired[0]++;
        long fireStart = System.nanoTime();
        for (long now = START; wheel.size() > 0; now++) {
            while (wheel.advance(now, CAP, sink) == CAP) {
                // The cap was hit: call again at the same time, as a runner does.
            }
        }
        long fireNanos = System.nanoTime() - fireStart;
        if (fired[0] != timers) {
            throw new IllegalStateException("fired " + fired[0] + " of " + timers);
        }
        if (print) {
            System.out.printf("span %,9d ms: insert %,12.0f timers/s (%,6.1f ms)   advance+fire %,12.0f timers/s (%,7.1f ms,"
                    + " %,d advance calls of 1 ms)%n",
                spanMs, timers / (insertNanos / 1e9), insertNanos / 1e6, timers / (fireNanos / 1e9), fireNanos / 1e6,
                spanMs + 1);
        }
    }

    private static TimerRef[] refs(int timers, long spanMs) {
        Random random = new Random(17);
        TimerRef[] refs = new TimerRef[timers];
        for (int seq = 0; seq < timers; seq++) {
            long due = START + 1 + (long) (random.nextDouble() * spanMs);
            refs[seq] = new TimerRef(due, seq, seq * 256L, 256, "bench-topic", seq & 15);
        }
        return refs;
    }

    private static void memoryPerTimer(int timers) {
        long empty = usedHeap();
        TimerRef[] refs = refs(timers, TimeUnit.MINUTES.toMillis(5));
        long withRefs = usedHeap();
        TimingWheel wheel = new TimingWheel(START, WheelConfig.DEFAULT);
        for (TimerRef ref : refs) {
            wheel.add(ref);
        }
        long withWheel = usedHeap();
        double perRef = (withRefs - empty) / (double) timers - 4;   // less the benchmark's own array slot
        double perTimerInWheel = (withWheel - withRefs) / (double) timers;
        System.out.printf("memory: %.1f bytes per TimerRef + %.1f bytes per timer in the wheel (node, index slot)"
            + " = %.1f bytes per reference%n", perRef, perTimerInWheel, perRef + perTimerInWheel);
        if (wheel.size() != refs.length) {
            throw new IllegalStateException("lost timers");
        }
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 8; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
