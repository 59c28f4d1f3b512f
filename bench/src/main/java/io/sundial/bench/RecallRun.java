package io.sundial.bench;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code n} timed sends, then every one recalled with the stock client's {@code recallMessage} (16 threads), then
 * a wait past the due time: the figures are the recall rate and latency, and how many messages whose recall was
 * answered with success arrived anyway (must be 0; a message whose recall failed is delivered, as it should be).
 */
final class RecallRun {
    private static final int THREADS = 16;

    private final Phase phase;
    private final BenchSettings settings;
    private final byte[] body;

    RecallRun(Phase phase, BenchSettings settings) {
        this.phase = phase;
        this.settings = settings;
        this.body = settings.newBody();
    }

    RunResult run(Target target, int run, int n) throws Exception {
        String topic = "Bench_" + phase.name() + "_recall_" + target.name() + "_" + run + "_"
                + Long.toString(System.currentTimeMillis(), 36);
        phase.createTopic(topic);
        DefaultMQProducer producer = phase.producer(target);
        Receipts receipts = new Receipts(n);
        String[] handles = new String[n];
        long due = System.currentTimeMillis() + settings.recallLeadMs();
        Map<String, Double> f = new HashMap<>();
        try (Receiver ignored = Receiver.start(phase.namesrv(), topic, receipts)) {
            Sender.Outcome sent = new Sender(producer, settings.inFlight()).send(n, 0, (i, now) -> {
                Message m = new Message(topic, "bench", Integer.toString(i), body);
                m.setDeliverTimeMs(due);
                receipts.expect(i, due);
                return m;
            }, receipts, (i, r) -> handles[i] = r.getRecallHandle());
            long[] latency = new long[n];
            boolean[] recalled = new boolean[n];
            AtomicInteger next = new AtomicInteger();
            AtomicLong failed = new AtomicLong();
            AtomicReference<String> firstFailure = new AtomicReference<>();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            long t0 = System.nanoTime();
            for (int t = 0; t < THREADS; t++) {
                pool.execute(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        if (handles[i] == null) {
                            continue;
                        }
                        long s = System.nanoTime();
                        try {
                            producer.recallMessage(topic, handles[i]);
                            recalled[i] = true;
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                        }
                        latency[i] = (System.nanoTime() - s) / 1000;
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.HOURS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long doneBeforeDue = due - System.currentTimeMillis();
            while (System.currentTimeMillis() < due + 10_000) {
                Thread.sleep(200);
            }
            if (firstFailure.get() != null) {
                System.out.println("  first recall failure: " + firstFailure.get());
            }
            Distribution d = Distribution.of(latency);
            f.put("sent", (double) n);
            f.put("acked", (double) sent.acked());
            f.put("sendRate", sent.rate());
            f.put("recallRate", (n - failed.get()) / seconds);
            f.put("recallFailed", (double) failed.get());
            f.put("recallP50Ms", d.percentile(50) / 1000.0);
            f.put("recallP99Ms", d.percentile(99) / 1000.0);
            f.put("recallsDoneMsBeforeDue", (double) doneBeforeDue);
            long deliveredAfterRecall = 0;
            for (int i = 0; i < n; i++) {
                if (recalled[i] && receipts.wasReceived(i)) {
                    deliveredAfterRecall++; // a recall answered success must stop the delivery
                }
            }
            f.put("deliveredAfterRecall", (double) deliveredAfterRecall);
            f.put("delivered", (double) receipts.receivedCount()); // includes those whose recall failed
        }
        return new RunResult(phase.name(), "recall", target.label(), run, f, null);
    }
}
