package io.sundial.compat.passthrough;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.utils.MessageUtil;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request-reply ({@code producer.request}): the broker pushes a reply to the connection on which the requester's
 * client registered with it. A responder whose producer points at Sundial has its replies ({@code SEND_REPLY_MESSAGE},
 * 324/325) passed through, so a requester on the cluster gets them. A requester pointed at Sundial is registered
 * with Sundial, not the broker, so its reply could never reach it: its request is refused at once rather than
 * delivered to a responder and then timed out.
 */
@ExtendWith(SundialCluster.class)
class RequestReplyTest {
    @Test
    void shouldPassARespondersReplyThroughToARequesterOnTheCluster(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("Requests");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        DefaultMQProducer replies = Clients.producer(env.sundialAddr());
        DefaultMQPushConsumer responder = responder(env.namesrvAddr(), topic, replies, new CopyOnWriteArrayList<>());
        DefaultMQProducer requester = Clients.producer(env.namesrvAddr());
        try {
            Message answer = requester.request(new Message(topic, "ping".getBytes(StandardCharsets.UTF_8)), 20_000);
            assertEquals("pong to ping", new String(answer.getBody(), StandardCharsets.UTF_8));
        } finally {
            requester.shutdown();
            responder.shutdown();
            replies.shutdown();
        }
    }

    @Test
    void shouldRefuseARequestWhoseReplyCouldNotReachTheRequester(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("Requests");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        DefaultMQProducer replies = Clients.producer(env.namesrvAddr());
        List<MessageExt> seen = new CopyOnWriteArrayList<>();
        DefaultMQPushConsumer responder = responder(env.namesrvAddr(), topic, replies, seen);
        DefaultMQProducer requester = Clients.producer(env.sundialAddr());
        try {
            Message request = new Message(topic, "ping".getBytes(StandardCharsets.UTF_8));
            // Refused at once, not timed out; the 5.5.0 client's request() drops the broker's answer from what it
            // throws (it wakes the caller before it records the cause), so the answer is read from a plain send.
            assertThrows(MQClientException.class, () -> requester.request(request, 5_000));
            Message alike = new Message(topic, "ping".getBytes(StandardCharsets.UTF_8));
            MessageAccessor.putProperty(alike, MessageConst.PROPERTY_CORRELATION_ID, "correlation-1");
            MessageAccessor.putProperty(alike, MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT,
                    requester.getDefaultMQProducerImpl().getMqClientFactory().getClientId());
            MQBrokerException refused = assertThrows(MQBrokerException.class, () -> requester.send(alike));
            assertEquals(ResponseCode.MESSAGE_ILLEGAL, refused.getResponseCode(), refused.getErrorMessage());
            assertTrue(refused.getErrorMessage().contains("request-reply"), refused.getErrorMessage());
            Thread.sleep(2_000);
            assertEquals(List.of(), seen, "the refused request never reaches a responder");
        } finally {
            requester.shutdown();
            responder.shutdown();
            replies.shutdown();
        }
    }

    /** A consumer of {@code topic} on the cluster that answers each request with "pong to" its body. */
    private static DefaultMQPushConsumer responder(String namesrvAddr, String topic, DefaultMQProducer replies,
                                                   List<MessageExt> seen) throws MQClientException {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(Clients.unique("responders"));
        c.setNamesrvAddr(namesrvAddr);
        c.setInstanceName(Clients.unique("responder"));
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setHeartbeatBrokerInterval(1000);
        c.subscribe(topic, "*");
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                seen.add(m);
                byte[] body = ("pong to " + new String(m.getBody(), StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8);
                try {
                    replies.send(MessageUtil.createReplyMessage(m, body));
                } catch (Exception e) {
                    throw new IllegalStateException("reply failed", e);
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        return c;
    }
}
