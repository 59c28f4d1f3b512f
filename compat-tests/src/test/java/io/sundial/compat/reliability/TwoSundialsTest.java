package io.sundial.compat.reliability;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
import io.sundial.proxy.net.FreePorts;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Sundials in front of one cluster, each with its own store, and a producer naming both as its name servers:
 * the deployment docs/operations.md gives for availability. When the one the producer uses stops, its sends move
 * to the other once the producer's route refreshes; the timers the stopped one acknowledged wait in its store and
 * are delivered, once each and not early, when it is back on the same data.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class TwoSundialsTest {
    private static final int EACH = 10;

    @TempDir
    Path dir;

    @Test
    void shouldMoveSendsToTheOtherSundialAndDeliverTheStoppedOnesTimersOnceItIsBack(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("TwoSundials");
        env.cluster().createTopic(topic, 2, 6);
        int[] ports = new int[2];
        ports[0] = FreePorts.pickSundial();
        ports[1] = FreePorts.pickSundial(new HashSet<>(FreePorts.sundialPorts(ports[0])));
        Sundial[] sundials = {start(env, 0, ports[0]), start(env, 1, ports[1])};
        DefaultMQProducer producer = new DefaultMQProducer(Clients.unique("pg"));
        producer.setNamesrvAddr("127.0.0.1:" + ports[0] + ";127.0.0.1:" + ports[1]);
        producer.setInstanceName(Clients.unique("producer"));
        producer.setSendMsgTimeout(3_000);
        // Routes are re-read every 30 s by default; each second here, so the test need not wait for it.
        producer.setPollNameServerInterval(1_000);
        producer.start();
        Map<String, Long> dueById = new HashMap<>();
        try {
            for (int i = 0; i < EACH; i++) {
                send(producer, topic, "before-" + i, System.currentTimeMillis() + 8_000, dueById);
            }
            int used = sundials[0].store().pendingCount(topic) == EACH ? 0 : 1;
            assertEquals(EACH, sundials[used].store().pendingCount(topic), "one Sundial took every send");
            int other = 1 - used;

            long stoppedAt = System.nanoTime();
            sundials[used].close();
            long firstSendMs = -1;
            for (int i = 0; i < EACH; i++) {
                sendUntilAccepted(producer, topic, "during-" + i, dueById);
                if (firstSendMs < 0) {
                    firstSendMs = (System.nanoTime() - stoppedAt) / 1_000_000;
                }
            }
            assertEquals(EACH, sundials[other].store().pendingCount(topic), "the other Sundial took the rest");

            sundials[used] = start(env, used, ports[used]);
            assertEquals(new Clients.ReadBack(2 * EACH, 0, 0, 0),
                    Clients.readBack(env.namesrvAddr(), topic, dueById, Duration.ofSeconds(60)));
            String line = "two Sundials, the producer's one stopped: first send accepted by the other " + firstSendMs
                    + " ms after the stop began (routes re-read every second); " + 2 * EACH
                    + " timers delivered once each, none early\n";
            System.out.print(line);
            Files.writeString(Path.of("target", "reliability-figures.txt"), line, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } finally {
            producer.shutdown();
            for (Sundial s : sundials) {
                s.close();
            }
        }
    }

    private Sundial start(SundialCluster.Running env, int index, int port) throws Exception {
        return SundialCluster.startSundial(env.namesrvAddr(), dir.resolve("sundial-" + index), port,
                "flushDiskType", "ASYNC_FLUSH");
    }

    private static void send(DefaultMQProducer producer, String topic, String key, long dueMs,
                             Map<String, Long> dueById) throws Exception {
        Message m = new Message(topic, "t", key, key.getBytes(StandardCharsets.UTF_8));
        m.setDeliverTimeMs(dueMs);
        SendResult r = producer.send(m);
        assertEquals(SendStatus.SEND_OK, r.getSendStatus(), key);
        dueById.put(r.getMsgId(), dueMs);
    }

    /** Retries a send refused while the producer's route still names the stopped Sundial, for up to 30 s. */
    private static void sendUntilAccepted(DefaultMQProducer producer, String topic, String key,
                                          Map<String, Long> dueById) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                send(producer, topic, key, System.currentTimeMillis() + 3_000, dueById);
                return;
            } catch (Exception e) {
                assertTrue(System.nanoTime() < deadline, "no Sundial took " + key + " within 30 s: " + e);
                Thread.sleep(200);
            }
        }
    }
}
