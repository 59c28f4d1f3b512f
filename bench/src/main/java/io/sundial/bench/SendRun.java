package io.sundial.bench;

import org.apache.rocketmq.common.message.Message;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Send throughput of timer messages (due in two days, so nothing fires during the bench), {@code inFlight}
 * asynchronous sends at a time, after a warm-up of a quarter as many (the target may just have restarted).
 */
final class SendRun {
    private static final long DUE_AHEAD_MS = TimeUnit.DAYS.toMillis(2);

    private final Phase phase;
    private final BenchSettings settings;
    private final byte[] body;

    SendRun(Phase phase, BenchSettings settings) {
        this.phase = phase;
        this.settings = settings;
        this.body = new byte[settings.bodyBytes()];
        ThreadLocalRandom.current().nextBytes(body);
    }

    RunResult run(String scenario, Target target, int run, int n) throws Exception {
        String topic = "Bench_" + phase.name() + "_" + scenario + "_" + target.name() + "_" + run;
        phase.createTopic(topic);
        Sender sender = new Sender(phase.producer(target), settings.inFlight());
        Sender.MessageFactory factory = (i, now) -> {
            Message m = new Message(topic, "bench", Integer.toString(i), body);
            m.setDeliverTimeMs(now + DUE_AHEAD_MS);
            return m;
        };
        sender.send(Math.max(1, n / 4), 0, factory, null);
        Sender.Outcome out;
        Map<String, Double> memory;
        try (ProcessMemory mem = ProcessMemory.sample(phase.pids())) {
            out = sender.send(n, 0, factory, null);
            memory = mem.peakMiB();
        }
        if (out.firstFailure() != null) {
            System.out.println("  first send failure: " + out.firstFailure());
        }
        Map<String, Double> f = new HashMap<>();
        f.put("sent", (double) n);
        f.put("failed", (double) out.failed());
        f.put("sendRate", out.rate());
        f.put("sendP50Ms", out.latencyMicros().percentile(50) / 1000.0);
        f.put("sendP99Ms", out.latencyMicros().percentile(99) / 1000.0);
        memory.forEach((proc, mib) -> f.put(proc + "RssMiB", mib));
        return new RunResult(phase.name(), scenario, target.label(), run, f, null);
    }
}
