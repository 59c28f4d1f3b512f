package io.sundial.bench;

import org.apache.rocketmq.common.message.Message;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Send throughput of timer messages (due in two days, so nothing fires during the bench), {@code inFlight}
 * asynchronous sends at a time, after a warm-up of a tenth as many; a target just restarted is warmed up
 * first with {@link #warmUp}.
 */
final class SendRun {
    private static final long DUE_AHEAD_MS = TimeUnit.DAYS.toMillis(2);

    private final Phase phase;
    private final BenchSettings settings;
    private final byte[] body;

    SendRun(Phase phase, BenchSettings settings) {
        this.phase = phase;
        this.settings = settings;
        this.body = settings.newBody();
    }

    /** Sends {@code n} timer messages to {@code target}, unmeasured: a JVM just restarted compiles its send path. */
    void warmUp(Target target, int n) throws Exception {
        String topic = "Bench_" + phase.name() + "_send_warmup_" + target.name();
        phase.createTopic(topic);
        new Sender(phase.producer(target), settings.inFlight()).send(n, 0, factory(topic), null);
    }

    private Sender.MessageFactory factory(String topic) {
        return (i, now) -> {
            Message m = new Message(topic, "bench", Integer.toString(i), body);
            m.setDeliverTimeMs(now + DUE_AHEAD_MS);
            return m;
        };
    }

    RunResult run(String scenario, Target target, int run, int n) throws Exception {
        String topic = "Bench_" + phase.name() + "_" + scenario + "_" + target.name() + "_" + run;
        phase.createTopic(topic);
        Sender sender = new Sender(phase.producer(target), settings.inFlight());
        Sender.MessageFactory factory = factory(topic);
        sender.send(Math.max(1, n / 10), 0, factory, null);
        Sender.Outcome out;
        Map<String, Double> memory;
        try (ProcessSampler mem = ProcessSampler.sample(phase.pids())) {
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
