package io.sundial.bench;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends numbered messages asynchronously with the stock client, a fixed number in flight (as the figures
 * were taken: 256), optionally paced to a rate. Each message's key is its number, so the consumer can tell which
 * one arrived; the message factory sets its delivery time and records it in the {@link Receipts}.
 */
final class Sender {
    /** Builds message {@code i}, sent at {@code nowMs}, and records its intended delivery time. */
    interface MessageFactory {
        Message create(int i, long nowMs);
    }

    /** Sees each acknowledged send's result (its recall handle, say). */
    interface Acknowledged {
        void accept(int i, SendResult result);
    }

    /** What the sends did: how long they took and how long each waited for its acknowledgement. */
    record Outcome(long acked, long failed, double seconds, Distribution latencyMicros, String firstFailure) {
        double rate() {
            return seconds <= 0 ? 0 : (acked + failed) / seconds;
        }
    }

    private final DefaultMQProducer producer;
    private final int inFlight;

    Sender(DefaultMQProducer producer, int inFlight) {
        this.producer = producer;
        this.inFlight = inFlight;
    }

    /**
     * Sends messages {@code 0 .. n-1}; {@code ratePerSecond} 0 means as fast as acknowledgements allow. Returns
     * once every send is answered.
     */
    Outcome send(int n, double ratePerSecond, MessageFactory factory, Receipts receipts) throws InterruptedException {
        return send(n, ratePerSecond, factory, receipts, (i, r) -> { });
    }

    Outcome send(int n, double ratePerSecond, MessageFactory factory, Receipts receipts, Acknowledged onAck)
            throws InterruptedException {
        Semaphore window = new Semaphore(inFlight);
        AtomicLong failed = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        long[] latency = new long[n];
        String[] firstFailure = new String[1];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (ratePerSecond > 0) {
                long at = start + (long) (i * 1e9 / ratePerSecond);
                long wait = at - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            window.acquire();
            int number = i;
            Message m = factory.create(i, System.currentTimeMillis());
            long sentAt = System.nanoTime();
            try {
                producer.send(m, new SendCallback() {
                    @Override
                    public void onSuccess(SendResult r) {
                        latency[number] = (System.nanoTime() - sentAt) / 1000;
                        if (receipts != null) {
                            receipts.acknowledged(number);
                        }
                        onAck.accept(number, r);
                        acked.incrementAndGet();
                        window.release();
                    }

                    @Override
                    public void onException(Throwable e) {
                        latency[number] = (System.nanoTime() - sentAt) / 1000;
                        noteFailure(firstFailure, e);
                        failed.incrementAndGet();
                        window.release();
                    }
                });
            } catch (Exception e) {
                noteFailure(firstFailure, e);
                failed.incrementAndGet();
                window.release();
            }
        }
        window.acquire(inFlight);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Outcome(acked.get(), failed.get(), seconds, Distribution.of(latency), firstFailure[0]);
    }

    static void noteFailure(String[] first, Throwable e) {
        synchronized (first) {
            if (first[0] == null) {
                first[0] = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
    }
}
