package io.sundial.bench;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * A stock push consumer on the real cluster's name server, recording each message's receive time by its key.
 * Receive time is taken once per delivered batch, as soon as the listener is called; the broker's store timestamp
 * of each message is kept too, to split lateness into the scheduler's part and the consumer's hop.
 */
final class Receiver implements AutoCloseable {
    /** When Sundial's wheel fired a re-published message (see docs/compatibility.md). */
    private static final String FIRED_MS = "SUNDIAL_FIRED_MS";

    private final DefaultMQPushConsumer consumer;

    private Receiver(DefaultMQPushConsumer consumer) {
        this.consumer = consumer;
    }

    static Receiver start(String namesrvAddr, String topic, Receipts receipts) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer("bench-" + topic);
        c.setNamesrvAddr(namesrvAddr);
        c.setInstanceName("bench-" + topic);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        c.setHeartbeatBrokerInterval(1000); // a heartbeat that raced the first rebalance is redone soon
        c.setConsumeThreadMin(4);
        c.setConsumeThreadMax(4);
        c.setConsumeMessageBatchMaxSize(32);
        c.setPullBatchSize(32);
        c.subscribe(topic, "*");
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            long now = System.currentTimeMillis();
            for (MessageExt m : msgs) {
                String fired = m.getProperty(FIRED_MS);
                receipts.received(m.getKeys(), now, m.getStoreTimestamp(),
                        fired == null ? Long.MIN_VALUE : Long.parseLong(fired));
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        Receiver r = new Receiver(c);
        r.awaitQueues();
        return r;
    }

    /** A consumer that starts from the last offset must own its queues before the first message is stored. */
    private void awaitQueues() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable().isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the bench consumer got no queue in 30 s");
            }
            Thread.sleep(100);
        }
        Thread.sleep(1000); // its first pulls establish the offsets
    }

    @Override
    public void close() {
        consumer.shutdown();
    }
}
