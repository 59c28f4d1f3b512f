package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Timed sends to a topic nobody created, on a cluster that auto-creates topics (as the quickstart's and the
 * README's first example do): Sundial accepts them, and at their due time the backend creates the topic, as it
 * would for the stock client sending there directly. The timers are delivered, not parked, each to the queue its
 * producer chose.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class AutoCreateTest {
    private static final int TIMERS = 4; // the stock producer's defaultTopicQueueNums: one per queue, round-robin

    @Test
    void shouldDeliverTimersWhoseTopicTheBackendCreatesOnFirstUse(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("NeverCreated");
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        Map<String, Integer> queueById = new HashMap<>();
        long due = System.currentTimeMillis() + 2_000;
        try {
            for (int i = 0; i < TIMERS; i++) {
                Message m = new Message(topic, "reminder", "key-" + i, ("pay now " + i).getBytes());
                m.setDeliverTimeMs(due);
                SendResult r = producer.send(m);
                assertEquals(SendStatus.SEND_OK, r.getSendStatus());
                queueById.put(r.getMsgId(), r.getMessageQueue().getQueueId());
            }
        } finally {
            producer.shutdown();
        }
        assertEquals(TIMERS, new HashSet<>(queueById.values()).size(), "one per queue");

        Thread.sleep(Math.max(0, due + 1_000 - System.currentTimeMillis()));
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            List<Clients.Arrival> arrivals = received.await(TIMERS, Duration.ofSeconds(30));
            assertEquals(TIMERS, arrivals.size(), "delivered, not parked; parked timers: "
                    + env.sundial().store().parkedCount());
            for (Clients.Arrival a : arrivals) {
                MessageExt m = a.message();
                assertTrue(m.getStoreTimestamp() >= due, "stored before it was due");
                assertEquals(queueById.get(m.getMsgId()), m.getQueueId(), "the queue the producer chose");
            }
            assertEquals(List.of(), received.drain(Duration.ofSeconds(1)), "no second copy");
        }
    }
}
