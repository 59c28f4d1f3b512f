package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageClientIDSetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 5.x producer with {@code setAutoBatch(true)}: the client gathers sends into batch requests itself. It keeps
 * messages with a 5.x delivery time out of them, but not those with the {@code __STARTDELIVERTIME} property, which
 * reach Sundial in batches, mixed with plain ones. Such a batch is stored whole, its plain messages due at once.
 * The client splits a batch's answer back into one result per send by the comma-joined ids; each must be the
 * send's own, and every message arrive once, none early.
 */
@ExtendWith(SundialCluster.class)
class AutoBatchTest {
    private static final int EACH = 40;

    @Test
    void shouldStoreTheTimedMessagesOfAutomaticBatchesAndPassThePlainOnes(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("AutoBatch");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        DefaultMQProducer producer = new DefaultMQProducer(Clients.unique("pg"));
        producer.setNamesrvAddr(env.sundialAddr());
        producer.setInstanceName(Clients.unique("producer"));
        producer.setSendMsgTimeout(10_000);
        producer.setAutoBatch(true);
        // Long enough for every send below to join one batch (the client groups by topic, queue and tag).
        producer.batchMaxDelayMs(1_000);
        producer.start();
        try {
            Map<String, Long> dueById = new HashMap<>();
            List<CompletableFuture<SendResult>> results = new ArrayList<>();
            List<String> sentIds = new ArrayList<>();
            long due = System.currentTimeMillis() + 3_000;
            for (int i = 0; i < 2 * EACH; i++) {
                boolean timed = i % 2 == 0;
                Message m = new Message(topic, "t", (timed ? "timed-" : "plain-") + i,
                        ("m" + i).getBytes(StandardCharsets.UTF_8));
                if (timed) {
                    m.putUserProperty("__STARTDELIVERTIME", Long.toString(due));
                }
                results.add(Clients.sendAsyncFuture(producer, m));
                String id = MessageClientIDSetter.getUniqID(m);
                sentIds.add(id);
                dueById.put(id, timed ? due : 0L);
            }
            int stored = 0;
            int passed = 0;
            for (int i = 0; i < results.size(); i++) {
                SendResult r = results.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(SendStatus.SEND_OK, r.getSendStatus(), r.toString());
                assertEquals(sentIds.get(i), r.getMsgId(), "each send gets its own result: " + r);
                if (r.getOffsetMsgId() != null && r.getOffsetMsgId().startsWith("5D")) {
                    stored++;
                } else {
                    passed++;
                }
            }
            // A batch holding a timed message is stored whole, its plain messages due at once: the sends went in
            // mixed batches if plain ones were stored too.
            assertEquals(2 * EACH, stored, "sends answered with a Sundial id; passed through: " + passed);
            assertEquals(new Clients.ReadBack(2 * EACH, 0, 0, 0),
                    Clients.readBack(env.namesrvAddr(), topic, dueById, Duration.ofSeconds(60)));
        } finally {
            producer.shutdown();
        }
    }
}
