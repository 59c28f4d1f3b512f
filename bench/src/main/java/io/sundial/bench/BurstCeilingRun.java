package io.sundial.bench;

import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The ceiling of a 10 s burst: an ideal scheduler inside the bench hands {@code n} plain messages to the broker at
 * the due times of a burst like the 10 s scenario's (due one after another at {@link #RATE} a second, the rate at
 * which that scenario's sends arrive here), with the consumer running. Each millisecond it sends whatever has
 * come due with the stock client, in batches of 32 (16 in flight), as Sundial's lanes do, but with no store and no
 * wheel: the scheduler's only work is the sends, in this JVM beside the consumer. Lateness is receive time minus
 * due time, as in the 10 s scenario: what the sends, the broker and the consumer need at this rate on these cores.
 */
final class BurstCeilingRun {
    static final String SCENARIO = "ten-ceiling";
    /** Due times per second: the 10 s scenario's send rate here (runs.csv sendRate, 24,000–25,000). */
    static final double RATE = 25_000;
    private static final long LEAD_MS = 1000;
    private static final int BATCH = 32;
    private static final int BATCHES_IN_FLIGHT = 16;
    private static final long POLL_NANOS = 100_000;

    private final Phase phase;
    private final DeliveryRun delivery;
    private final byte[] body;

    BurstCeilingRun(Phase phase, BenchSettings settings) {
        this.phase = phase;
        this.delivery = new DeliveryRun(phase, settings);
        this.body = settings.newBody();
    }

    RunResult run(int run, int n) throws Exception {
        String topic = "Bench_" + phase.name() + "_tenceiling_" + run + "_"
                + Long.toString(System.currentTimeMillis(), 36);
        return delivery.measure(SCENARIO, Report.CEILING, Integer.toString(run), run, topic, n, 0, receipts -> {
            long first = System.currentTimeMillis() + LEAD_MS;
            for (int i = 0; i < n; i++) {
                receipts.expect(i, first + (long) (i * 1000 / RATE));
            }
            return dispatchWhenDue(topic, receipts);
        });
    }

    /** Sends each message once its due time has come, never before; returns once every send is answered. */
    private Sender.Outcome dispatchWhenDue(String topic, Receipts receipts) throws InterruptedException {
        int n = receipts.size();
        Semaphore window = new Semaphore(BATCHES_IN_FLIGHT);
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Long> latencyMicros = java.util.Collections.synchronizedList(new ArrayList<>());
        String[] firstFailure = new String[1];
        long t0 = Long.MIN_VALUE; // the first send's: the send rate is over the burst, not the lead before it
        int next = 0;
        long lastTick = Long.MIN_VALUE;
        while (next < n) {
            long now = System.currentTimeMillis();
            if (now == lastTick) { // as a millisecond wheel: one hand-off per tick, of all that came due in it
                LockSupport.parkNanos(POLL_NANOS);
                continue;
            }
            if (receipts.due(next) > now + 1) { // the lead before the burst: no polling to bill to the bench
                Thread.sleep(receipts.due(next) - now - 1);
                continue;
            }
            lastTick = now;
            int due = next;
            while (due < n && receipts.due(due) <= now) {
                due++;
            }
            for (int from = next; from < due; from += BATCH) {
                int to = Math.min(due, from + BATCH);
                List<Message> batch = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    batch.add(new Message(topic, "bench", Integer.toString(i), body));
                }
                int firstOfBatch = from;
                window.acquire();
                long sentAt = System.nanoTime();
                if (t0 == Long.MIN_VALUE) {
                    t0 = sentAt;
                }
                try {
                    phase.producer(Target.BROKER).send(batch, new SendCallback() {
                        @Override
                        public void onSuccess(SendResult r) {
                            latencyMicros.add((System.nanoTime() - sentAt) / 1000);
                            for (int i = firstOfBatch; i < to; i++) {
                                receipts.acknowledged(i);
                            }
                            acked.addAndGet(to - firstOfBatch);
                            window.release();
                        }

                        @Override
                        public void onException(Throwable e) {
                            Sender.noteFailure(firstFailure, e);
                            failed.addAndGet(to - firstOfBatch);
                            window.release();
                        }
                    });
                } catch (Exception e) {
                    Sender.noteFailure(firstFailure, e);
                    failed.addAndGet(to - firstOfBatch);
                    window.release();
                }
            }
            next = due;
        }
        window.acquire(BATCHES_IN_FLIGHT);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long[] latency = latencyMicros.stream().mapToLong(Long::longValue).toArray();
        return new Sender.Outcome(acked.get(), failed.get(), seconds, Distribution.of(latency), firstFailure[0]);
    }
}
