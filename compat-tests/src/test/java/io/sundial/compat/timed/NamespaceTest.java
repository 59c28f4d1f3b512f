package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Producers and consumers in a namespace ({@code setNamespace}, as 4.x and most 5.x applications set it; 5.x's
 * {@code setNamespaceV2} instead sends the bare topic with the namespace in a header field, which Sundial passes
 * on untouched): the client puts {@code namespace%topic} on the wire, Sundial stores and routes that name as it
 * is, and the consumer in the same namespace receives the timed, plain and recalled sends as it would from the
 * broker alone, with the namespace stripped from what it sees.
 */
@ExtendWith(SundialCluster.class)
class NamespaceTest {
    private static final String NAMESPACE = "tenant-a";

    @Test
    @SuppressWarnings("deprecation") // setNamespace: deprecated in 5.x for setNamespaceV2, still what 4.x apps use
    void shouldDeliverAndRecallInTheProducersNamespace(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("Namespaced");
        String wireTopic = NAMESPACE + "%" + topic;
        env.cluster().createTopic(wireTopic, 2, EmbeddedCluster.PERM_READ_WRITE);
        DefaultMQProducer producer = new DefaultMQProducer(Clients.unique("pg"));
        producer.setNamespace(NAMESPACE);
        producer.setNamesrvAddr(env.sundialAddr());
        producer.setInstanceName(Clients.unique("producer"));
        producer.start();
        Map<String, Long> dueByKey = new ConcurrentHashMap<>();
        SendResult recalled = null;
        try {
            long due = System.currentTimeMillis() + 4_000; // recalled long before it is due, even on a busy machine
            for (String key : new String[] {"timed", "recalled"}) {
                Message m = new Message(topic, "t", key, key.getBytes(StandardCharsets.UTF_8));
                m.setDeliverTimeMs(due);
                SendResult r = producer.send(m);
                assertEquals(SendStatus.SEND_OK, r.getSendStatus());
                dueByKey.put(key, due);
                recalled = r;
            }
            assertEquals(2, env.sundial().store().pendingCount(wireTopic),
                    "stored under the name on the wire, namespace included");
            assertEquals(recalled.getMsgId(), producer.recallMessage(topic, recalled.getRecallHandle()));
            dueByKey.remove("recalled");
            assertEquals(SendStatus.SEND_OK,
                    producer.send(new Message(topic, "t", "plain", "plain".getBytes(StandardCharsets.UTF_8)))
                            .getSendStatus());
            dueByKey.put("plain", 0L);
        } finally {
            producer.shutdown();
        }

        BlockingQueue<MessageExt> received = new LinkedBlockingQueue<>();
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(Clients.unique("cg"));
        consumer.setNamespace(NAMESPACE);
        consumer.setNamesrvAddr(env.namesrvAddr());
        consumer.setInstanceName(Clients.unique("consumer"));
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setHeartbeatBrokerInterval(1000);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            received.addAll(msgs);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        try {
            for (String expected : new String[] {"plain", "timed"}) {
                MessageExt m = received.poll(30, TimeUnit.SECONDS);
                assertNotNull(m, "waiting for " + expected);
                assertEquals(topic, m.getTopic(), "the namespace is stripped, as for the broker's own messages");
                Long due = dueByKey.remove(m.getKeys());
                assertNotNull(due, "unexpected message " + m.getKeys());
                assertTrue(m.getStoreTimestamp() >= due, "stored before it was due");
            }
            assertNull(received.poll(2, TimeUnit.SECONDS), "the recalled message never arrives");
        } finally {
            consumer.shutdown();
        }
    }
}
