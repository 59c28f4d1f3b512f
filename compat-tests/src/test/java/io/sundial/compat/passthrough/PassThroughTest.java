package io.sundial.compat.passthrough;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.net.PromptClient;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RemotingSysResponseCode;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeaderV2;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sends without a delivery time pass through Sundial to the real broker unchanged. */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class PassThroughTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Message message(String topic, String keys, String tag, String body) {
        Message m = new Message(topic, tag, keys, body.getBytes(StandardCharsets.UTF_8));
        m.putUserProperty("app-prop", "value-of-" + body);
        return m;
    }

    private static void assertIntact(MessageExt got, String body) {
        assertEquals(body, new String(got.getBody(), StandardCharsets.UTF_8));
        assertEquals("key-" + body, got.getKeys());
        assertEquals("tag-" + body, got.getTags());
        assertEquals("value-of-" + body, got.getUserProperty("app-prop"));
    }

    @Test
    void shouldDeliverSyncAsyncOnewayAndBatchSendsIntact(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("PassAll");
        env.cluster().createTopic(topic, 4, 6);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            Map<String, String> sentIds = new HashMap<>();
            SendResult sync = producer.send(message(topic, "key-sync", "tag-sync", "sync"));
            assertEquals(SendStatus.SEND_OK, sync.getSendStatus());
            sentIds.put("sync", sync.getMsgId());

            sentIds.put("async", Clients.sendAsync(producer, message(topic, "key-async", "tag-async", "async"))
                    .getMsgId());

            producer.sendOneway(message(topic, "key-oneway", "tag-oneway", "oneway"));

            List<Message> batch = new ArrayList<>();
            for (String b : List.of("b1", "b2", "b3")) {
                batch.add(message(topic, "key-" + b, "tag-" + b, b));
            }
            SendResult batchResult = producer.send(batch);
            assertEquals(SendStatus.SEND_OK, batchResult.getSendStatus());
            String[] batchIds = batchResult.getMsgId().split(",");
            for (int i = 0; i < 3; i++) {
                sentIds.put("b" + (i + 1), batchIds[i]);
            }

            List<Clients.Arrival> got = received.await(6, WAIT);
            assertEquals(6, got.size(), "every mode arrives");
            for (Clients.Arrival a : got) {
                String body = new String(a.message().getBody(), StandardCharsets.UTF_8);
                assertIntact(a.message(), body);
                if (sentIds.containsKey(body)) {
                    assertEquals(sentIds.get(body), a.message().getMsgId(), "msgId of " + body);
                }
            }
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void shouldReportTheBrokersRealQueueOffset(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("PassOffset");
        env.cluster().createTopic(topic, 2, 6);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            Map<String, SendResult> results = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                SendResult r = producer.send(message(topic, "key-o" + i, "tag-o" + i, "o" + i));
                results.put(r.getMsgId(), r);
            }
            List<Clients.Arrival> got = received.await(10, WAIT);
            assertEquals(10, got.size());
            for (Clients.Arrival a : got) {
                SendResult r = results.get(a.message().getMsgId());
                assertEquals(r.getQueueOffset(), a.message().getQueueOffset());
                assertEquals(r.getMessageQueue().getQueueId(), a.message().getQueueId());
            }
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void shouldKeepPerQueueOrderOfSelectorSends(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("PassOrder");
        env.cluster().createTopic(topic, 4, 6);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, true)) {
            int orders = 4;
            int perOrder = 50;
            for (int i = 0; i < perOrder; i++) {
                for (int order = 0; order < orders; order++) {
                    Message m = new Message(topic, "order", "order-" + order, (order + ":" + i).getBytes());
                    producer.send(m, (mqs, msg, arg) -> mqs.get((Integer) arg % mqs.size()), order);
                }
            }
            List<Clients.Arrival> got = received.await(orders * perOrder, WAIT);
            assertEquals(orders * perOrder, got.size());
            int[] last = new int[orders];
            java.util.Arrays.fill(last, -1);
            for (Clients.Arrival a : got) {
                String[] parts = new String(a.message().getBody()).split(":");
                int order = Integer.parseInt(parts[0]);
                int seq = Integer.parseInt(parts[1]);
                assertEquals(order % 4, a.message().getQueueId(), "the selector's queue is kept");
                assertTrue(seq > last[order], "order " + order + ": " + seq + " after " + last[order]);
                last[order] = seq;
            }
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void shouldRefuseTransactionalSendsWithMessageIllegal(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("PassTx");
        env.cluster().createTopic(topic, 1, 6);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try {
            Message m = new Message(topic, "half".getBytes());
            MessageAccessor.putProperty(m, MessageConst.PROPERTY_TRANSACTION_PREPARED, "true");
            MQBrokerException e = assertThrows(MQBrokerException.class, () -> producer.send(m));
            assertEquals(ResponseCode.MESSAGE_ILLEGAL, e.getResponseCode());
            assertTrue(e.getErrorMessage().contains("transactional"), e.getErrorMessage());
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void shouldAnswerAnUnknownRequestCodeWithRequestCodeNotSupported(SundialCluster.Running env)
            throws Exception {
        NettyRemotingClient client = new PromptClient(new NettyClientConfig());
        client.start();
        try {
            RemotingCommand response = client.invokeSync(env.sundialAddr(),
                    RemotingCommand.createRequestCommand(9999, null), 5_000);
            assertEquals(RemotingSysResponseCode.REQUEST_CODE_NOT_SUPPORTED, response.getCode());
            assertTrue(response.getRemark().contains("9999"), response.getRemark());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void shouldPassThroughASendThatNamesNoBrokerAsClientsBefore495Send(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("PassNoBroker");
        env.cluster().createTopic(topic, 2, 6);
        NettyRemotingClient client = new PromptClient(new NettyClientConfig());
        client.start();
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            SendMessageRequestHeader h = new SendMessageRequestHeader();
            h.setProducerGroup("old-client-group");
            h.setTopic(topic);
            h.setDefaultTopic("TBW102");
            h.setDefaultTopicQueueNums(4);
            h.setQueueId(1);
            h.setSysFlag(0);
            h.setBornTimestamp(System.currentTimeMillis());
            h.setFlag(0);
            h.setProperties("UNIQ_KEY\u00010A0B0C0D0E0F00112233445566778899\u0002KEYS\u0001old\u0002");
            h.setReconsumeTimes(0);
            h.setUnitMode(false);
            h.setBatch(false);
            RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE_V2,
                    SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2(h)); // no broker name, as 4.9.0-4.9.4
            request.setBody("from an old client".getBytes(StandardCharsets.UTF_8));
            RemotingCommand response = client.invokeSync(env.sundialAddr(), request, 10_000);
            assertEquals(ResponseCode.SUCCESS, response.getCode(), response.getRemark());
            List<Clients.Arrival> got = received.await(1, WAIT);
            assertEquals(1, got.size());
            assertEquals("0A0B0C0D0E0F00112233445566778899", got.get(0).message().getMsgId());
            assertEquals(1, got.get(0).message().getQueueId(), "the queue the client chose");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void shouldKeepWorkingWhenATopicIsCreatedAfterTheProducerStarted(SundialCluster.Running env)
            throws Exception {
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try {
            producer.send(message(Clients.unique("Warmup"), "key-w", "tag-w", "w"));
            String created = Clients.unique("PassLate");
            env.cluster().createTopic(created, 2, 6);
            String autoCreated = Clients.unique("PassAuto");
            try (Clients.Received late = Clients.consume(env.namesrvAddr(), created, false)) {
                assertEquals(SendStatus.SEND_OK, producer.send(message(created, "key-l", "tag-l", "l")).getSendStatus());
                assertIntact(late.await(1, WAIT).get(0).message(), "l");
            }
            SendResult auto = producer.send(message(autoCreated, "key-a", "tag-a", "a"));
            assertEquals(SendStatus.SEND_OK, auto.getSendStatus(), "a topic the backend auto-creates (TBW102)");
        } finally {
            producer.shutdown();
        }
    }
}
