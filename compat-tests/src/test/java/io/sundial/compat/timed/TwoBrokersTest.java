package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.proxy.embedded.EmbeddedClusterConfig;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster of two broker groups, as production clusters are: Sundial's routes name itself for both, each send
 * still reaches the broker and queue its producer chose (plain sends at once, timed ones at their due time), and
 * timers whose broker stops taking writes for their topic (read-only, as during a rolling restart) are delivered
 * by the other broker instead of being parked. Its own cluster, since the shared one has one broker.
 */
@Tag("slow")
class TwoBrokersTest {
    private static final String BROKER_B = "broker-b";
    private static final int QUEUES = 2;

    @TempDir
    Path dir;

    @Test
    void shouldKeepEachSendOnItsBrokerAndMoveTimersOffABrokerThatStoppedTakingWrites() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(EmbeddedClusterConfig.builder(dir.resolve("a"))
                .killOnClose(true).build());
             EmbeddedCluster brokerB = EmbeddedCluster.joinBroker(cluster, EmbeddedClusterConfig.builder(
                     dir.resolve("b")).brokerName(BROKER_B).killOnClose(true).build());
             Sundial sundial = SundialCluster.startSundial(cluster.namesrvAddr(), dir.resolve("sundial"), 0,
                     "flushDiskType", "ASYNC_FLUSH", ProxyConfig.ROUTE_REFRESH_MS, "1000")) {
            String topic = Clients.unique("TwoBrokers");
            cluster.createTopic(topic, QUEUES, EmbeddedCluster.PERM_READ_WRITE);
            brokerB.createTopic(topic, QUEUES, EmbeddedCluster.PERM_READ_WRITE);
            String brokerA = cluster.brokerName();

            Map<String, MessageQueue> chosen = new HashMap<>();
            Map<String, Long> dueByKey = new HashMap<>();
            long due = System.currentTimeMillis() + 3_000;
            long movedDue = System.currentTimeMillis() + 6_000;
            DefaultMQProducer producer = Clients.producer(sundial.address());
            try {
                for (String broker : List.of(brokerA, BROKER_B)) {
                    for (int q = 0; q < QUEUES; q++) {
                        MessageQueue mq = new MessageQueue(topic, broker, q);
                        send(producer, mq, "plain-" + broker + "-" + q, 0, chosen, dueByKey);
                        send(producer, mq, "timed-" + broker + "-" + q, due, chosen, dueByKey);
                    }
                }
                send(producer, new MessageQueue(topic, brokerA, 0), "moved", movedDue, chosen, dueByKey);
            } finally {
                producer.shutdown();
            }
            // Broker A stops taking writes for the topic before "moved" falls due; Sundial's routes refresh each
            // second here.
            cluster.createTopic(topic, QUEUES, EmbeddedCluster.PERM_READ_ONLY);

            try (Clients.Received received = Clients.consume(cluster.namesrvAddr(), topic, false)) {
                List<Clients.Arrival> arrivals = received.await(chosen.size(), Duration.ofSeconds(40));
                assertEquals(chosen.size(), arrivals.size(), "all delivered; parked: " + sundial.store().parkedCount());
                for (Clients.Arrival a : arrivals) {
                    MessageExt m = a.message();
                    String key = m.getKeys();
                    Long wanted = dueByKey.get(key);
                    assertNotNull(wanted, "unexpected message " + key);
                    assertTrue(m.getStoreTimestamp() >= wanted, key + " stored before it was due");
                    if (key.equals("moved")) {
                        assertEquals(BROKER_B, m.getBrokerName(), "moved off the read-only broker");
                    } else {
                        MessageQueue mq = chosen.get(key);
                        assertEquals(mq.getBrokerName(), m.getBrokerName(), key + ": the broker its producer chose");
                        assertEquals(mq.getQueueId(), m.getQueueId(), key + ": the queue its producer chose");
                    }
                }
                assertEquals(List.of(), received.drain(Duration.ofSeconds(1)), "no second copy");
            }
            assertEquals(0, sundial.store().parkedCount(), "nothing parked");
        }
    }

    private static void send(DefaultMQProducer producer, MessageQueue mq, String key, long dueMs,
                             Map<String, MessageQueue> chosen, Map<String, Long> dueByKey) throws Exception {
        Message m = new Message(mq.getTopic(), "t", key, key.getBytes(StandardCharsets.UTF_8));
        if (dueMs > 0) {
            m.setDeliverTimeMs(dueMs);
        }
        SendResult r = producer.send(m, mq);
        assertEquals(SendStatus.SEND_OK, r.getSendStatus(), key);
        chosen.put(key, mq);
        dueByKey.put(key, dueMs);
    }
}
