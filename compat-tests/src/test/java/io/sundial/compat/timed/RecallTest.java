package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.store.TimerStore;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Applications cancel from code with the stock 5.5.0 client: {@code recallMessage} and delete markers. */
@ExtendWith(SundialCluster.class)
class RecallTest {
    private static SendResult send(DefaultMQProducer producer, String topic, String key, long dueMs) throws Exception {
        Message m = new Message(topic, "t", key, key.getBytes(StandardCharsets.UTF_8));
        m.setDeliverTimeMs(dueMs);
        return producer.send(m);
    }

    @Test
    void shouldRecallAPendingMessageAndRefuseToRecallADeliveredOne(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("Recall");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            long due = System.currentTimeMillis() + 4_000;
            SendResult before = send(producer, topic, "before", due);
            SendResult recalled = send(producer, topic, "recalled", due);
            SendResult after = send(producer, topic, "after", due);
            assertNotNull(recalled.getRecallHandle(), "a stored send carries a recall handle");

            assertEquals(recalled.getMsgId(), producer.recallMessage(topic, recalled.getRecallHandle()));
            assertEquals(recalled.getMsgId(), producer.recallMessage(topic, recalled.getRecallHandle()),
                    "recalling again (a retry) succeeds");

            List<Clients.Arrival> got = received.await(2, Duration.ofSeconds(30));
            got.addAll(received.drain(Duration.ofSeconds(2)));
            Set<String> ids = new HashSet<>();
            got.forEach(a -> ids.add(a.message().getMsgId()));
            assertEquals(Set.of(before.getMsgId(), after.getMsgId()), ids, "the recalled one never arrives");
            got.forEach(a -> assertTrue(a.receivedAtMs() >= due));

            MQBrokerException tooLate = assertThrows(MQBrokerException.class,
                    () -> producer.recallMessage(topic, before.getRecallHandle()));
            assertEquals(ResponseCode.QUERY_NOT_FOUND, tooLate.getResponseCode());
            assertTrue(tooLate.getErrorMessage().contains("already delivered"), tooLate.getErrorMessage());
            MQBrokerException wrongTopic = assertThrows(MQBrokerException.class,
                    () -> producer.recallMessage(topic + "-other", after.getRecallHandle()));
            assertEquals(ResponseCode.ILLEGAL_OPERATION, wrongTopic.getResponseCode());
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void shouldCancelWithADeleteMarkerSentAnHourBeforeTheDueTime(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("Marker");
        TimerStore store = env.sundial().store();
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try {
            long due = System.currentTimeMillis() + 3_600_000;
            SendResult target = send(producer, topic, "in-an-hour", due);
            SendResult neighbour = send(producer, topic, "neighbour", due);
            assertEquals(2, store.pendingCount(topic));

            Message marker = new Message(topic, "t", "marker", "0".getBytes(StandardCharsets.UTF_8));
            MessageAccessor.putProperty(marker, MessageConst.PROPERTY_TIMER_DEL_UNIQKEY, topic + "+" + target.getMsgId());
            marker.setDeliverTimeMs(due);
            SendResult cancelled = producer.send(marker);
            assertEquals(SendStatus.SEND_OK, cancelled.getSendStatus());
            assertTrue(store.findByUniqKey(topic, target.getMsgId()).isEmpty(), "cancelled");
            assertEquals(1, store.pendingCount(topic), "the marker itself is not stored");
            assertEquals(1, store.findByUniqKey(topic, neighbour.getMsgId()).size());

            Message unknown = new Message(topic, "t", "marker", "0".getBytes(StandardCharsets.UTF_8));
            MessageAccessor.putProperty(unknown, MessageConst.PROPERTY_TIMER_DEL_UNIQKEY, topic + "+no-such-message");
            MQBrokerException e = assertThrows(MQBrokerException.class, () -> producer.send(unknown));
            assertEquals(ResponseCode.QUERY_NOT_FOUND, e.getResponseCode());
            assertTrue(e.getErrorMessage().contains("no pending"), e.getErrorMessage());
        } finally {
            producer.shutdown();
        }
    }
}
