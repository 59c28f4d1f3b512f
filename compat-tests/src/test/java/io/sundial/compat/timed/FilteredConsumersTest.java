package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Consumers that filter on the broker, by tag and by SQL92 on user properties (the test broker has
 * {@code enablePropertyFilter=true}): the broker filters timers Sundial re-published, in batches, by the tags and
 * properties they were sent with, exactly as it filters plain sends. Each consumer gets its messages and no others.
 */
@ExtendWith(SundialCluster.class)
class FilteredConsumersTest {
    @Test
    void shouldFilterRepublishedTimersByTagAndByProperty(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("Filtered");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        Map<String, Set<String>> expected = new HashMap<>(Map.of("byTag", new HashSet<>(), "bySql",
                new HashSet<>()));
        Map<String, Set<String>> received = new ConcurrentHashMap<>();
        List<DefaultMQPushConsumer> consumers = new ArrayList<>();
        consumers.add(consumer(env, topic, MessageSelector.byTag("gold || silver"), "byTag", received));
        consumers.add(consumer(env, topic, MessageSelector.bySql("region = 'eu' AND amount > 100"), "bySql",
                received));
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try {
            long due = System.currentTimeMillis() + 3_000;
            String[] tags = {"gold", "silver", "bronze"};
            String[] regions = {"eu", "us"};
            int[] amounts = {50, 500};
            int n = 0;
            for (String tag : tags) {
                for (String region : regions) {
                    for (int amount : amounts) {
                        Message m = new Message(topic, tag, "k" + n, ("m" + n).getBytes(StandardCharsets.UTF_8));
                        m.putUserProperty("region", region);
                        m.putUserProperty("amount", Integer.toString(amount));
                        // Timed and plain alternate so that each consumer's share has both.
                        boolean timed = (n / 4 + n) % 2 == 1;
                        if (timed) {
                            m.setDeliverTimeMs(due);
                        }
                        SendResult r = producer.send(m);
                        if (!tag.equals("bronze")) {
                            expected.get("byTag").add(r.getMsgId());
                        }
                        if (region.equals("eu") && amount > 100) {
                            expected.get("bySql").add(r.getMsgId());
                        }
                        n++;
                    }
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!expected.equals(received) && System.nanoTime() < deadline) {
                Thread.sleep(250);
            }
            Thread.sleep(2_000); // anything else that comes
            assertEquals(expected, received);
            assertEquals(8, expected.get("byTag").size(), "a test that can tell filtering from none");
            assertEquals(3, expected.get("bySql").size());
        } finally {
            producer.shutdown();
            consumers.forEach(DefaultMQPushConsumer::shutdown);
        }
    }

    private static DefaultMQPushConsumer consumer(SundialCluster.Running env, String topic, MessageSelector selector,
                                                  String name, Map<String, Set<String>> received) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(Clients.unique("cg-" + name));
        c.setNamesrvAddr(env.namesrvAddr());
        c.setInstanceName(Clients.unique("consumer"));
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setHeartbeatBrokerInterval(1000);
        c.subscribe(topic, selector);
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                received.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet()).add(m.getMsgId());
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        return c;
    }
}
