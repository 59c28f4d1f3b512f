package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sends with a delivery time are held by Sundial and re-published to the real topic, never early. */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class TimedDeliveryTest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final String[] DELAY_PROPS =
            {"DELAY", "TIMER_DELAY_SEC", "TIMER_DELAY_MS", "TIMER_DELIVER_MS", "__STARTDELIVERTIME"};

    private record Sent(String form, long dueMs, String msgId, Message message) {
    }

    private static Message message(String topic, String name, int bodySize) {
        byte[] body = new byte[bodySize];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + (i * 7 + name.length()) % 26);
        }
        Message m = new Message(topic, "tag-" + name, "key-" + name, body);
        m.putUserProperty("form", name);
        m.setFlag(7);
        return m;
    }

    private static void assertDeliveredIntact(Sent sent, Clients.Arrival a) {
        MessageExt got = a.message();
        assertTrue(a.receivedAtMs() >= sent.dueMs(), sent.form() + " arrived " + (sent.dueMs() - a.receivedAtMs())
                + " ms early");
        long stored = got.getStoreTimestamp();
        assertTrue(stored >= sent.dueMs(), sent.form() + " stored on the real topic before it was due");
        assertEquals(sent.msgId(), got.getMsgId(), "msgId (UNIQ_KEY) of " + sent.form());
        assertEquals(sent.message().getKeys(), got.getKeys());
        assertEquals(sent.message().getTags(), got.getTags());
        assertEquals(7, got.getFlag());
        assertEquals(sent.message().getUserProperty("form"), got.getUserProperty("form"));
        assertArrayEquals(sent.message().getBody(), got.getBody(), "body of " + sent.form());
        for (String p : DELAY_PROPS) {
            assertNull(got.getProperty(p), p + " must be gone from " + sent.form());
        }
    }

    @Test
    void shouldDeliverEveryDeliveryTimeFormInEverySendModeOnTimeAndIntact(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("Timed");
        env.cluster().createTopic(topic, 4, 6);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        List<Sent> sent = new ArrayList<>();
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            Map<String, Consumer<Message>> forms = new HashMap<>();
            long base = System.currentTimeMillis();
            forms.put("deliverMs", m -> m.setDeliverTimeMs(base + 4_000));
            forms.put("delaySec", m -> m.setDelayTimeSec(3));
            forms.put("delayMs", m -> m.setDelayTimeMs(3_500));
            forms.put("level", m -> m.setDelayTimeLevel(1)); // 1 s
            forms.put("startDeliver", m -> m.putUserProperty("__STARTDELIVERTIME", String.valueOf(base + 4_500)));
            for (String mode : List.of("sync", "async", "oneway")) {
                for (Map.Entry<String, Consumer<Message>> form : forms.entrySet()) {
                    String name = form.getKey() + "-" + mode;
                    int size = form.getKey().equals("deliverMs") && mode.equals("sync") ? 10_000 : 300;
                    Message m = message(topic, name, size); // 10 KB: compressed by the client
                    long now = System.currentTimeMillis();
                    form.getValue().accept(m);
                    long due = dueOf(m, now);
                    String msgId;
                    switch (mode) {
                        case "sync" -> {
                            SendResult r = producer.send(m);
                            assertEquals(SendStatus.SEND_OK, r.getSendStatus());
                            msgId = r.getMsgId();
                        }
                        case "async" -> msgId = Clients.sendAsync(producer, m).getMsgId();
                        default -> {
                            producer.sendOneway(m);
                            msgId = m.getProperty("UNIQ_KEY");
                        }
                    }
                    sent.add(new Sent(name, due, msgId, m));
                }
            }
            List<Message> batch = new ArrayList<>();
            long batchBase = System.currentTimeMillis();
            // The 5.5.0 client refuses TIMER_* properties and DELAY levels in a batch (MessageBatch); a user
            // property passes, so __STARTDELIVERTIME is the form a 5.x batch can carry.
            for (int i = 0; i < 4; i++) {
                Message m = message(topic, "batch-startDeliver-" + i, 200);
                m.putUserProperty("__STARTDELIVERTIME", String.valueOf(batchBase + 3_000 + i * 300));
                batch.add(m);
            }
            SendResult br = producer.send(batch);
            String[] ids = br.getMsgId().split(",");
            for (int i = 0; i < batch.size(); i++) {
                Message m = batch.get(i);
                sent.add(new Sent(m.getUserProperty("form"), dueOf(m, batchBase), ids[i], m));
            }

            List<Clients.Arrival> got = received.await(sent.size(), WAIT);
            Map<String, Clients.Arrival> byForm = new HashMap<>();
            for (Clients.Arrival a : got) {
                assertNull(byForm.put(a.message().getUserProperty("form"), a), "delivered once");
            }
            for (Sent s : sent) {
                Clients.Arrival a = byForm.get(s.form());
                assertTrue(a != null, s.form() + " never arrived; got " + byForm.keySet());
                assertDeliveredIntact(s, a);
            }
            assertTrue(received.drain(Duration.ofSeconds(2)).isEmpty(), "no duplicates");
        } finally {
            producer.shutdown();
        }
    }

    /** The earliest the message may arrive: its absolute time, or the send time plus its delay. */
    private static long dueOf(Message m, long sentAt) {
        if (m.getProperty("TIMER_DELIVER_MS") != null) {
            return Long.parseLong(m.getProperty("TIMER_DELIVER_MS"));
        }
        if (m.getProperty("TIMER_DELAY_SEC") != null) {
            return sentAt + Long.parseLong(m.getProperty("TIMER_DELAY_SEC")) * 1000;
        }
        if (m.getProperty("TIMER_DELAY_MS") != null) {
            return sentAt + Long.parseLong(m.getProperty("TIMER_DELAY_MS"));
        }
        if (m.getProperty("DELAY") != null) {
            return sentAt + 1000;
        }
        return Long.parseLong(m.getUserProperty("__STARTDELIVERTIME"));
    }

    @Test
    void shouldRefuseIllegalDeliveryTimesWithMessageIllegalAndAReadableRemark(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("TimedBad");
        env.cluster().createTopic(topic, 1, 6);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try {
            long now = System.currentTimeMillis();
            Map<String, Consumer<Message>> bad = new HashMap<>();
            bad.put("TIMER_DELAY_SEC", m -> MessageAccessor.putProperty(m, "TIMER_DELAY_SEC", "ten"));
            bad.put("TIMER_DELAY_MS", m -> MessageAccessor.putProperty(m, "TIMER_DELAY_MS",
                    String.valueOf(Long.MAX_VALUE)));
            bad.put("__STARTDELIVERTIME", m -> m.putUserProperty("__STARTDELIVERTIME", String.valueOf(now / 1000 + 60)));
            bad.put("TIMER_DELIVER_MS", m -> m.setDeliverTimeMs(now + Duration.ofDays(3660).toMillis()));
            // A malformed delete marker (no '+topic+uniqKey' split); RecallTest covers working ones.
            bad.put("TIMER_DEL_UNIQKEY", m -> MessageAccessor.putProperty(m, "TIMER_DEL_UNIQKEY", "no-plus-sign"));
            for (Map.Entry<String, Consumer<Message>> b : bad.entrySet()) {
                Message m = message(topic, b.getKey(), 10);
                b.getValue().accept(m);
                MQBrokerException e = assertThrows(MQBrokerException.class, () -> producer.send(m), b.getKey());
                assertEquals(ResponseCode.MESSAGE_ILLEGAL, e.getResponseCode(), b.getKey());
                assertTrue(e.getErrorMessage().contains(b.getKey()), b.getKey() + ": " + e.getErrorMessage());
            }
            assertEquals(0, env.sundial().store().pendingCount(topic), "nothing stored");
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void shouldSendPastDueMessagesAtOnceAndRecogniseTheirRetries(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("TimedPast");
        env.cluster().createTopic(topic, 1, 6);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            Message m = message(topic, "past", 10);
            m.setDeliverTimeMs(System.currentTimeMillis() - 60_000);
            SendResult r = producer.send(m);
            List<Clients.Arrival> got = received.await(1, WAIT);
            assertEquals(1, got.size());
            assertEquals(r.getMsgId(), got.get(0).message().getMsgId());
            assertNull(got.get(0).message().getProperty("TIMER_DELIVER_MS"), "delivered without delay properties");
            assertEquals(0, env.sundial().store().pendingCount(topic), "delivered, nothing left pending");

            // A producer that lost the answer sends the same message again (same UNIQ_KEY), its due time long past:
            // recognised as a retry of what was delivered, answered, not delivered a second time.
            SendResult again = producer.send(m);
            assertEquals(r.getMsgId(), again.getMsgId());
            assertTrue(received.drain(Duration.ofSeconds(3)).isEmpty(), "the retry is not delivered again");
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void shouldMakeOneTimerAndOneDeliveryOfARetriedSend(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("TimedRetry");
        env.cluster().createTopic(topic, 1, 6);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            Message m = message(topic, "retry", 50);
            m.setDelayTimeSec(2);
            SendResult first = producer.send(m);
            SendResult again = producer.send(m); // same Message object: same UNIQ_KEY, as a client retry sends
            assertEquals(first.getMsgId(), again.getMsgId());
            assertEquals(first.getOffsetMsgId(), again.getOffsetMsgId(), "the retry gets the first timer's id");
            assertEquals(1, env.sundial().store().pendingCount(topic));
            assertEquals(1, received.await(1, WAIT).size());
            assertTrue(received.drain(Duration.ofSeconds(3)).isEmpty(), "delivered once");
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void shouldAnswerWithOneSundialIdPerBatchMessage(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("TimedIds");
        env.cluster().createTopic(topic, 1, 6);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try {
            List<Message> batch = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Message m = message(topic, "ids" + i, 10);
                m.putUserProperty("__STARTDELIVERTIME", String.valueOf(System.currentTimeMillis() + 60_000));
                batch.add(m);
            }
            SendResult r = producer.send(batch);
            assertEquals(2, r.getOffsetMsgId().split(",").length, r.getOffsetMsgId());
            assertTrue(Arrays.stream(r.getOffsetMsgId().split(",")).allMatch(id -> id.startsWith("5D")));
            assertEquals(2, env.sundial().store().pendingCount(topic));
        } finally {
            producer.shutdown();
        }
    }
}
