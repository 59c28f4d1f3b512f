package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A timed send to a topic nobody created, on a cluster that auto-creates topics (as the quickstart's and the
 * README's first example do): Sundial accepts it, and at its due time the backend creates the topic, as it would
 * for the stock client sending there directly. The timer is delivered, not parked.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class AutoCreateTest {
    @Test
    void shouldDeliverATimerWhoseTopicTheBackendCreatesOnFirstUse(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("NeverCreated");
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try {
            Message m = new Message(topic, "reminder", "key-1", "pay now".getBytes());
            long due = System.currentTimeMillis() + 2_000;
            m.setDeliverTimeMs(due);
            SendResult r = producer.send(m);
            assertEquals(SendStatus.SEND_OK, r.getSendStatus());

            Thread.sleep(Math.max(0, due + 1_000 - System.currentTimeMillis()));
            Clients.ReadBack back = Clients.readBack(env.namesrvAddr(), topic, Map.of(r.getMsgId(), due),
                    Duration.ofSeconds(30));
            assertEquals(new Clients.ReadBack(1, 0, 0, 0), back, "delivered once, on time; parked timers: "
                    + env.sundial().store().parkedCount());
        } finally {
            producer.shutdown();
        }
    }
}
