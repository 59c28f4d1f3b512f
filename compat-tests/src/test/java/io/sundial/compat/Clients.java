package io.sundial.compat;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.RPCHook;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Stock RocketMQ clients as applications use them: producers point at Sundial, consumers at the cluster. */
public final class Clients {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private Clients() {
    }

    public static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
    }

    public static DefaultMQProducer producer(String namesrvAddr) throws MQClientException {
        return producer(namesrvAddr, null);
    }

    /** A started producer whose requests {@code rpcHook} signs (an {@code AclClientRPCHook}), or none if null. */
    public static DefaultMQProducer producer(String namesrvAddr, RPCHook rpcHook) throws MQClientException {
        DefaultMQProducer p = new DefaultMQProducer(unique("pg"), rpcHook);
        p.setNamesrvAddr(namesrvAddr);
        p.setInstanceName(unique("producer"));
        p.setSendMsgTimeout(10_000);
        p.start();
        return p;
    }

    /**
     * Sends one plain message (tag {@code plain}, key {@code plain-key}) and one due {@code delayMs} later (tag
     * {@code timed}, key {@code timed-key}), each answered SEND_OK; returns msgId → due time (0 for the plain one),
     * as {@link #readBack} takes it.
     */
    public static Map<String, Long> sendPlainAndTimed(DefaultMQProducer producer, String topic, long delayMs)
            throws Exception {
        Map<String, Long> dueById = new HashMap<>();
        SendResult plain = producer.send(new Message(topic, "plain", "plain-key", "now".getBytes()));
        if (plain.getSendStatus() != SendStatus.SEND_OK) {
            throw new AssertionError("plain send answered " + plain.getSendStatus());
        }
        dueById.put(plain.getMsgId(), 0L);
        Message timed = new Message(topic, "timed", "timed-key", "later".getBytes());
        long due = System.currentTimeMillis() + delayMs;
        timed.setDeliverTimeMs(due);
        SendResult stored = producer.send(timed);
        if (stored.getSendStatus() != SendStatus.SEND_OK) {
            throw new AssertionError("timed send answered " + stored.getSendStatus());
        }
        dueById.put(stored.getMsgId(), due);
        return dueById;
    }

    /**
     * Sends {@code n} timed messages (tag {@code t}, keys {@code k0…}) due evenly from {@code fromMs} to {@code toMs}
     * after now, each answered SEND_OK, and adds msgId → due time to {@code dueById}, as {@link #readBack} takes it.
     */
    public static void sendTimersSpread(DefaultMQProducer producer, String topic, int n, long fromMs, long toMs,
                                        Map<String, Long> dueById) throws Exception {
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            long due = now + fromMs + (toMs - fromMs) * i / n;
            Message m = new Message(topic, "t", "k" + i, ("m" + i).getBytes());
            m.setDeliverTimeMs(due);
            SendResult r = producer.send(m);
            if (r.getSendStatus() != SendStatus.SEND_OK) {
                throw new AssertionError("timed send " + i + " answered " + r.getSendStatus());
            }
            dueById.put(r.getMsgId(), due);
        }
    }

    /** An asynchronous send, awaited: the callback path of the stock client. */
    public static SendResult sendAsync(DefaultMQProducer producer, Message m) throws Exception {
        return sendAsyncFuture(producer, m).get(30, TimeUnit.SECONDS);
    }

    /** An asynchronous send, completed by the stock client's callback. */
    public static CompletableFuture<SendResult> sendAsyncFuture(DefaultMQProducer producer, Message m)
            throws Exception {
        CompletableFuture<SendResult> f = new CompletableFuture<>();
        producer.send(m, new SendCallback() {
            @Override
            public void onSuccess(SendResult r) {
                f.complete(r);
            }

            @Override
            public void onException(Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** A consumer of {@code topic} on the real cluster; every message received lands in {@link Received}. */
    public static Received consume(String namesrvAddr, String topic, boolean orderly) throws MQClientException {
        return consume(namesrvAddr, topic, orderly, null);
    }

    /** As {@link #consume(String, String, boolean)}, every request signed by {@code rpcHook} unless it is null. */
    public static Received consume(String namesrvAddr, String topic, boolean orderly, RPCHook rpcHook)
            throws MQClientException {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(unique("cg"), rpcHook);
        c.setNamesrvAddr(namesrvAddr);
        c.setInstanceName(unique("consumer"));
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        // A consumer whose first heartbeat raced its rebalance is refused pulls ("the subscription is not latest")
        // until its next heartbeat: every 30 s by default, every second here.
        c.setHeartbeatBrokerInterval(1000);
        c.subscribe(topic, "*");
        Received received = new Received(c);
        if (orderly) {
            c.registerMessageListener((MessageListenerOrderly) (msgs, ctx) -> {
                received.add(msgs);
                return ConsumeOrderlyStatus.SUCCESS;
            });
        } else {
            c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                received.add(msgs);
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
        }
        c.start();
        return received;
    }

    /**
     * What {@code topic} holds of the messages in {@code dueById} (msgId → due time, 0 when none), read by a new
     * consumer group from the first offset until all arrived or {@code timeout} passed, then 2 s more for late
     * copies. A consumer that lived through an outage lags on its own account; a new group reads what was stored.
     * Early means stored by the broker before its due time.
     */
    public static ReadBack readBack(String namesrvAddr, String topic, Map<String, Long> dueById, Duration timeout)
            throws Exception {
        Map<String, Integer> times = new HashMap<>();
        int early = 0;
        try (Received received = consume(namesrvAddr, topic, false)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!times.keySet().containsAll(dueById.keySet()) && System.nanoTime() < deadline) {
                for (Arrival a : received.await(1_000, Duration.ofMillis(500))) {
                    String id = a.message().getMsgId();
                    times.merge(id, 1, Integer::sum);
                    if (a.message().getStoreTimestamp() < dueById.getOrDefault(id, 0L)) {
                        early++;
                    }
                }
            }
            for (Arrival a : received.drain(Duration.ofSeconds(2))) {
                times.merge(a.message().getMsgId(), 1, Integer::sum);
            }
        }
        long lost = dueById.keySet().stream().filter(id -> !times.containsKey(id)).count();
        int duplicates = times.values().stream().mapToInt(n -> n - 1).sum();
        return new ReadBack(times.size(), duplicates, lost, early);
    }

    /**
     * How {@code arrivals} account for the messages in {@code dueById} (msgId → due time): the copies of each, the
     * extra copies, those that never arrived, and those received, or fired by Sundial ({@code SUNDIAL_FIRED_MS}),
     * before their due time.
     */
    public static Tally tally(List<Arrival> arrivals, Map<String, Long> dueById) {
        Map<String, Integer> times = new HashMap<>();
        int early = 0;
        for (Arrival a : arrivals) {
            String id = a.message().getMsgId();
            times.merge(id, 1, Integer::sum);
            Long due = dueById.get(id);
            String fired = a.message().getProperty("SUNDIAL_FIRED_MS");
            if (due != null && (a.receivedAtMs() < due || fired != null && Long.parseLong(fired) < due)) {
                early++;
            }
        }
        long lost = dueById.keySet().stream().filter(id -> !times.containsKey(id)).count();
        int duplicates = times.values().stream().mapToInt(n -> n - 1).sum();
        return new Tally(times, duplicates, lost, early);
    }

    /** See {@link #tally}: copies received per msgId, extra copies, missing messages, early ones. */
    public record Tally(Map<String, Integer> times, int duplicates, long lost, int early) {
    }

    /** See {@link #readBack}: distinct messages read, extra copies, acknowledged ones missing, early ones. */
    public record ReadBack(int distinct, int duplicates, long lost, int early) {
    }

    /** Messages a consumer received, with the wall time of receipt. */
    public static final class Received implements AutoCloseable {
        private final DefaultMQPushConsumer consumer;
        private final BlockingQueue<Arrival> queue = new LinkedBlockingQueue<>();

        Received(DefaultMQPushConsumer consumer) {
            this.consumer = consumer;
        }

        /** The stock consumer behind it. */
        public DefaultMQPushConsumer consumer() {
            return consumer;
        }

        void add(List<MessageExt> msgs) {
            long now = System.currentTimeMillis();
            for (MessageExt m : msgs) {
                queue.add(new Arrival(m, now));
            }
        }

        /** Waits until {@code n} messages have arrived (or the deadline passes) and returns those that did. */
        public List<Arrival> await(int n, Duration timeout) throws InterruptedException {
            List<Arrival> out = new ArrayList<>(Math.min(n, 1024));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                Arrival a = queue.poll(left, TimeUnit.NANOSECONDS);
                if (a != null) {
                    out.add(a);
                }
            }
            return out;
        }

        /** Whatever else arrives within {@code quiet}. */
        public List<Arrival> drain(Duration quiet) throws InterruptedException {
            return await(Integer.MAX_VALUE, quiet);
        }

        @Override
        public void close() {
            consumer.shutdown();
        }
    }

    public record Arrival(MessageExt message, long receivedAtMs) {
    }
}
