package io.sundial.bench;

import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling of a burst: {@code n} plain messages sent straight to the broker in 32-message batches (16 in
 * flight), as fast as it takes them, with the consumer running. "Lateness" here is receive time minus the start of
 * sending: no scheduler can hand a burst of due messages to a consumer faster than this through this broker.
 */
final class CeilingRun {
    private static final int BATCH = 32;
    private static final int BATCHES_IN_FLIGHT = 16;

    private final Phase phase;
    private final byte[] body;

    CeilingRun(Phase phase, BenchSettings settings) {
        this.phase = phase;
        this.body = settings.newBody();
    }

    RunResult run(int run, int n) throws Exception {
        String topic = "Bench_" + phase.name() + "_ceiling_" + run + "_" + Long.toString(System.currentTimeMillis(), 36);
        phase.createTopic(topic);
        Receipts receipts = new Receipts(n);
        AtomicLong failed = new AtomicLong();
        long sendStart;
        double sendSeconds;
        try (Receiver ignored = Receiver.start(phase.namesrv(), topic, receipts)) {
            Semaphore window = new Semaphore(BATCHES_IN_FLIGHT);
            sendStart = System.currentTimeMillis();
            long t0 = System.nanoTime();
            for (int from = 0; from < n; from += BATCH) {
                List<Message> batch = new ArrayList<>(BATCH);
                int to = Math.min(n, from + BATCH);
                for (int i = from; i < to; i++) {
                    receipts.expect(i, sendStart);
                    batch.add(new Message(topic, "bench", Integer.toString(i), body));
                }
                int first = from;
                window.acquire();
                phase.producer(Target.BROKER).send(batch, new SendCallback() {
                    @Override
                    public void onSuccess(SendResult r) {
                        for (int i = first; i < to; i++) {
                            receipts.acknowledged(i);
                        }
                        window.release();
                    }

                    @Override
                    public void onException(Throwable e) {
                        failed.addAndGet(to - first);
                        window.release();
                    }
                });
            }
            window.acquire(BATCHES_IN_FLIGHT);
            sendSeconds = (System.nanoTime() - t0) / 1e9;
            long deadline = System.currentTimeMillis() + DeliveryRun.DRAIN_MS;
            while (!receipts.complete() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
        }
        // Every message's intended time is the start of sending, so lateness counts from there.
        Receipts.Lateness lateness = receipts.lateness();
        Distribution d = lateness.total();
        Map<String, Double> f = new HashMap<>();
        f.put("sent", (double) n);
        f.put("failed", (double) failed.get());
        f.put("received", (double) d.count());
        f.put("lost", (double) receipts.lost());
        f.put("sendRate", n / sendSeconds);
        f.put("p50", (double) d.percentile(50));
        f.put("p99", (double) d.percentile(99));
        f.put("max", (double) d.max());
        // Stored: when the broker had it (its ingest); hop: stored to the listener (its dispatch and the consumer).
        f.put("storedP99", (double) lateness.stored().percentile(99));
        f.put("hopP99", (double) lateness.hop().percentile(99));
        return new RunResult(phase.name(), "ceiling", Report.CEILING, run, f, d);
    }
}
