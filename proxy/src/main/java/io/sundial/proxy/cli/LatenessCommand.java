package io.sundial.proxy.cli;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code sundial lateness}: sends N timed messages with the stock client through a name-server address (Sundial's
 * or a broker cluster's, to compare), consumes them from the real cluster, and reports lateness (receive time
 * minus intended delivery time) with lost, duplicated and early counts. Producer and consumer run in this JVM,
 * so both times come from one clock.
 */
@Command(name = "lateness", mixinStandardHelpOptions = true,
        description = "Measure delivery lateness of timed messages end to end with the stock client.")
final class LatenessCommand implements Callable<Integer> {
    @Option(names = "--send-ns", defaultValue = "127.0.0.1:9877", description = "producers' name server: Sundial (default ${DEFAULT-VALUE})")
    String sendNs;

    @Option(names = "--consume-ns", defaultValue = "127.0.0.1:9876", description = "consumers' name server: the cluster's (default ${DEFAULT-VALUE})")
    String consumeNs;

    @Option(names = {"-n", "--messages"}, defaultValue = "5000",
            description = "timed messages to send (default ${DEFAULT-VALUE})")
    int messages;

    @Option(names = "--min-delay-ms", defaultValue = "3000",
            description = "shortest delay after the send (default ${DEFAULT-VALUE})")
    long minDelayMs;

    @Option(names = "--max-delay-ms", defaultValue = "6000",
            description = "longest delay after the send; each message's is uniform in between (default ${DEFAULT-VALUE})")
    long maxDelayMs;

    @Option(names = "--body", defaultValue = "1024", description = "body size in bytes (default ${DEFAULT-VALUE})")
    int bodySize;

    @Option(names = "--in-flight", defaultValue = "256",
            description = "asynchronous sends awaiting their answer at most (default ${DEFAULT-VALUE})")
    int inFlight;

    @Option(names = "--topic", description = "topic (default: a new one)")
    String topic;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        requireOptions();
        String t = topic != null ? topic : "Lateness" + System.currentTimeMillis();
        Map<String, Long> dueByKey = new ConcurrentHashMap<>();
        Map<String, Long> receivedAt = new ConcurrentHashMap<>();
        AtomicLong duplicates = new AtomicLong();

        DefaultMQProducer warm = new DefaultMQProducer("lateness-warm");
        warm.setNamesrvAddr(consumeNs);
        warm.start();
        warm.send(new Message(t, "warm-up: creates the topic".getBytes())); // so the consumer finds a route
        warm.shutdown();

        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer("lateness-" + t);
        consumer.setNamesrvAddr(consumeNs);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        consumer.setHeartbeatBrokerInterval(1000); // a heartbeat that raced the first rebalance is redone soon
        consumer.subscribe(t, "timed");
        consumer.setConsumeThreadMin(4);
        consumer.setConsumeThreadMax(8);
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            long now = System.currentTimeMillis();
            for (MessageExt m : msgs) {
                if (receivedAt.putIfAbsent(m.getKeys(), now) != null) {
                    duplicates.incrementAndGet();
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        Thread.sleep(3000); // let the consumer take its queues

        DefaultMQProducer producer = new DefaultMQProducer("lateness-producer");
        producer.setNamesrvAddr(sendNs);
        producer.setSendMsgTimeout(10_000);
        producer.start();
        byte[] body = new byte[bodySize];
        ThreadLocalRandom.current().nextBytes(body);
        Semaphore window = new Semaphore(inFlight);
        AtomicLong failed = new AtomicLong();
        long sendStart = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            String key = "k" + i;
            long due = System.currentTimeMillis() + minDelayMs
                    + ThreadLocalRandom.current().nextLong(Math.max(1, maxDelayMs - minDelayMs + 1));
            Message m = new Message(t, "timed", key, body);
            m.setDeliverTimeMs(due);
            dueByKey.put(key, due);
            window.acquire();
            producer.send(m, new SendCallback() {
                @Override
                public void onSuccess(SendResult r) {
                    window.release();
                }

                @Override
                public void onException(Throwable e) {
                    failed.incrementAndGet();
                    dueByKey.remove(key);
                    window.release();
                }
            });
        }
        window.acquire(inFlight);
        double sendSecs = (System.nanoTime() - sendStart) / 1e9;
        long deadline = System.currentTimeMillis() + maxDelayMs + 30_000;
        while (receivedAt.size() < dueByKey.size() && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        Thread.sleep(2000); // late duplicates
        producer.shutdown();
        consumer.shutdown();

        long[] lateness = new long[receivedAt.size()];
        int n = 0;
        long early = 0;
        for (Map.Entry<String, Long> e : receivedAt.entrySet()) {
            Long due = dueByKey.get(e.getKey());
            if (due == null) {
                continue;
            }
            long l = e.getValue() - due;
            if (l < 0) {
                early++;
            }
            lateness[n++] = l;
        }
        lateness = Arrays.copyOf(lateness, n);
        Arrays.sort(lateness);
        long lost = dueByKey.size() - n;
        System.out.printf(Locale.ROOT, "sent %d (%d failed) in %.2f s (%.0f msg/s); received %d; lost %d; "
                        + "duplicated %d; early %d%n", messages, failed.get(), sendSecs, messages / sendSecs, n, lost,
                duplicates.get(), early);
        if (n > 0) {
            System.out.printf(Locale.ROOT, "lateness ms: min %d, p50 %d, p90 %d, p99 %d, p99.9 %d, max %d%n",
                    lateness[0], pct(lateness, 50), pct(lateness, 90), pct(lateness, 99), pct(lateness, 99.9),
                    lateness[n - 1]);
        }
        return lost == 0 && early == 0 ? 0 : 1;
    }

    private void requireOptions() {
        if (messages < 1 || inFlight < 1 || bodySize < 0) {
            throw new ParameterException(spec.commandLine(),
                    "--messages and --in-flight must be at least 1, --body at least 0");
        }
        if (minDelayMs < 0 || maxDelayMs < minDelayMs) {
            throw new ParameterException(spec.commandLine(),
                    "--min-delay-ms must be at least 0 and at most --max-delay-ms (" + maxDelayMs + ")");
        }
    }

    private static long pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

}
