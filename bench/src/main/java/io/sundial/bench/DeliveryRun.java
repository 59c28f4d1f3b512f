package io.sundial.bench;

import org.apache.rocketmq.common.message.Message;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One delivery run: a fresh topic and consumer, {@code n} timed sends through one target, then waits for every
 * acknowledged message (or until the last due time plus the drain allowance) and reports lateness = receive time
 * minus intended delivery time, with lost, duplicated and early counts and each process's peak memory. Producer
 * and consumer share this JVM, so both times come from one clock.
 */
final class DeliveryRun {
    /** How message {@code i}, sent at {@code nowMs}, asks for its delivery; returns the intended delivery time. */
    interface Timing {
        long apply(Message m, int i, long nowMs);
    }

    static final long DRAIN_MS = 60_000;

    private final Phase phase;
    private final BenchSettings settings;
    private final byte[] body;

    DeliveryRun(Phase phase, BenchSettings settings) {
        this.phase = phase;
        this.settings = settings;
        this.body = settings.newBody();
    }

    RunResult run(String scenario, Target target, int run, int n, double rate, Timing timing) throws Exception {
        return run(scenario, target, run, n, rate, timing, 0);
    }

    /** As {@link #run}, and with {@code windowMs > 0} the p99 of each window of due times and their drift. */
    RunResult run(String scenario, Target target, int run, int n, double rate, Timing timing, long windowMs)
            throws Exception {
        String topic = topic(scenario, target, run);
        return measure(scenario, target.label(), target.name() + "-" + run, run, topic, n, windowMs,
                receipts -> new Sender(phase.producer(target), settings.inFlight()).send(n, rate, (i, now) -> {
                    Message m = new Message(topic, "bench", Integer.toString(i), body);
                    receipts.expect(i, timing.apply(m, i, now));
                    return m;
                }, receipts));
    }

    /** Puts {@code n} messages on their way, each with its due time in the receipts; returns once all are sent. */
    interface Sends {
        Sender.Outcome send(Receipts receipts) throws Exception;
    }

    /**
     * The frame of every delivery run: a fresh {@code topic} and consumer and the process sampler around
     * {@code sends}, then the wait for every acknowledged message, and the figures. {@code rawName} names the
     * --raw file after the phase and scenario; {@code target} is the label of the run's runs.csv lines.
     */
    RunResult measure(String scenario, String target, String rawName, int run, String topic, int n, long windowMs,
                      Sends sends) throws Exception {
        phase.createTopic(topic);
        Receipts receipts = new Receipts(n);
        Sender.Outcome sent;
        Map<String, Double> memory;
        Map<String, Double> cpu;
        try (Receiver ignored = Receiver.start(phase.namesrv(), topic, receipts);
             ProcessSampler mem = ProcessSampler.sample(phase.pids())) {
            sent = sends.send(receipts);
            awaitDeliveries(receipts);
            Thread.sleep(2000); // late duplicates
            memory = mem.peakMiB();
            cpu = cpuOfDelivery(mem, receipts);
        }
        if (settings.rawDir() != null) {
            writeRaw(settings.rawDir().resolve(phase.name() + "-" + scenario + "-" + rawName + ".csv"), receipts);
        }
        return result(scenario, target, run, receipts, sent, memory, cpu, windowMs);
    }

    /**
     * CPU seconds from the first due time to the last receipt: the delivery's cost, per process and, for Sundial,
     * per thread group.
     */
    private static Map<String, Double> cpuOfDelivery(ProcessSampler mem, Receipts receipts) {
        Map<String, Double> cpu = new HashMap<>();
        long from = receipts.firstDue();
        long to = receipts.lastReceived();
        mem.cpuSeconds(from, to).forEach((proc, seconds) -> cpu.put(proc + "CpuS", seconds));
        mem.sundialThreadCpuSeconds(from, to)
                .forEach((group, seconds) -> cpu.put("sundialThreadCpuS:" + group, seconds));
        return cpu;
    }

    /** One line per message: its number and its due, fired, stored and received times (epoch ms, empty if none). */
    static void writeRaw(Path file, Receipts r) throws IOException {
        Files.createDirectories(file.getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("message,dueMs,firedMs,storedMs,receivedMs\n");
            for (int i = 0; i < r.size(); i++) {
                w.write(i + "," + r.due(i) + "," + known(r.firedAt(i)) + "," + known(r.storedAt(i)) + ","
                        + known(r.receivedAt(i)) + "\n");
            }
        }
    }

    private static String known(long ms) {
        return ms == Long.MIN_VALUE ? "" : Long.toString(ms);
    }

    private static void awaitDeliveries(Receipts receipts) throws InterruptedException {
        long lastDue = receipts.lastDue();
        long deadline = Math.max(lastDue, System.currentTimeMillis()) + DRAIN_MS;
        while (!receipts.complete() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
    }

    private RunResult result(String scenario, String target, int run, Receipts r, Sender.Outcome sent,
                             Map<String, Double> memory, Map<String, Double> cpu, long windowMs) {
        int n = r.size();
        long[] wheel = new long[n];
        int firedKnown = 0;
        long early = 0;
        for (int i = 0; i < n; i++) {
            if (r.wasReceived(i)) {
                if (r.receivedAt(i) < r.due(i)) {
                    early++;
                }
                if (r.firedAt(i) != Long.MIN_VALUE) {
                    wheel[firedKnown++] = r.firedAt(i) - r.due(i);
                }
            }
        }
        Receipts.Lateness lateness = r.lateness();
        Distribution d = lateness.total();
        Map<String, Double> f = new HashMap<>();
        f.put("sent", (double) n);
        f.put("acked", (double) sent.acked());
        f.put("failed", (double) sent.failed());
        f.put("received", (double) d.count());
        f.put("lost", (double) r.lost());
        f.put("duplicated", (double) r.duplicates());
        f.put("early", (double) early);
        f.put("sendRate", sent.rate());
        f.put("sendP99Ms", sent.latencyMicros().percentile(99) / 1000.0);
        f.put("p50", (double) d.percentile(50));
        f.put("p90", (double) d.percentile(90));
        f.put("p99", (double) d.percentile(99));
        f.put("p999", (double) d.percentile(99.9));
        f.put("max", (double) d.max());
        f.put("first", (double) d.min());
        // Where the lateness arises: until the broker stored the message on its real topic (the scheduler's part),
        // and from there to the consumer's listener (the same hop for both targets).
        Distribution stored = lateness.stored();
        Distribution consumerHop = lateness.hop();
        f.put("storedP50", (double) stored.percentile(50));
        f.put("storedP99", (double) stored.percentile(99));
        f.put("hopP50", (double) consumerHop.percentile(50));
        f.put("hopP99", (double) consumerHop.percentile(99));
        if (firedKnown > 0) { // Sundial's wheel: fired minus due (the rest of storedP99 is the hand-off and the send)
            f.put("firedP99", (double) Distribution.of(java.util.Arrays.copyOf(wheel, firedKnown)).percentile(99));
        }
        memory.forEach((proc, mib) -> f.put(proc + "RssMiB", mib));
        f.putAll(cpu);
        if (windowMs > 0) {
            addWindows(r, f, windowMs);
        }
        if (sent.firstFailure() != null) {
            System.out.println("  first send failure: " + sent.firstFailure());
        }
        return new RunResult(phase.name(), scenario, target, run, f, d);
    }

    /**
     * p99 per window of due times (minutes of a steady run) and the drift: the last full window's p99 minus the
     * first's. A scheduler that falls behind shows a growing p99.
     */
    private static void addWindows(Receipts r, Map<String, Double> f, long windowMs) {
        long firstDue = Long.MAX_VALUE;
        long lastDue = Long.MIN_VALUE;
        for (int i = 0; i < r.size(); i++) {
            firstDue = Math.min(firstDue, r.due(i));
            lastDue = Math.max(lastDue, r.due(i));
        }
        int windows = (int) Math.max(1, (lastDue - firstDue) / windowMs);
        java.util.List<java.util.List<Long>> byWindow = new java.util.ArrayList<>();
        for (int w = 0; w < windows; w++) {
            byWindow.add(new java.util.ArrayList<>());
        }
        for (int i = 0; i < r.size(); i++) {
            if (r.wasReceived(i)) {
                int w = (int) Math.min(windows - 1, (r.due(i) - firstDue) / windowMs);
                byWindow.get(w).add(r.receivedAt(i) - r.due(i));
            }
        }
        double first = Double.NaN;
        double last = Double.NaN;
        for (int w = 0; w < windows; w++) {
            long[] v = byWindow.get(w).stream().mapToLong(Long::longValue).toArray();
            double p99 = Distribution.of(v).percentile(99);
            f.put("p99_window" + (w + 1), p99);
            if (w == 0) {
                first = p99;
            }
            last = p99;
        }
        f.put("drift", last - first);
    }

    private String topic(String scenario, Target target, int run) {
        return "Bench_" + phase.name() + "_" + scenario + "_" + target.name() + "_" + run + "_"
                + Long.toString(System.currentTimeMillis(), 36);
    }
}
