package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
import io.sundial.proxy.net.FreePorts;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timers pending when Sundial stops are delivered after it starts again on the same data, once each. */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class RestartTest {
    @TempDir
    Path dir;

    private Sundial start(SundialCluster.Running env, int port) throws Exception {
        return SundialCluster.startSundial(env.namesrvAddr(), dir, port);
    }

    @Test
    void shouldDeliverEveryPendingTimerOnceAfterARestartOnTheSameData(SundialCluster.Running env) throws Exception {
        int port = FreePorts.pickSundial();
        String topic = Clients.unique("Restart");
        env.cluster().createTopic(topic, 2, 6);
        Map<String, Long> due = new HashMap<>();
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            Sundial first = start(env, port);
            DefaultMQProducer producer = Clients.producer(first.address());
            try {
                for (int i = 0; i < 20; i++) {
                    Message m = new Message(topic, "restart", "key-" + i, ("r" + i).getBytes());
                    long at = System.currentTimeMillis() + 6_000 + i * 100;
                    m.setDeliverTimeMs(at);
                    producer.send(m);
                    due.put("key-" + i, at);
                }
                assertEquals(20, first.store().pendingCount(topic));
                first.close();
                Sundial second = start(env, port);
                try {
                    assertEquals(20, second.store().pendingCount(topic), "everything pending survives the stop");
                    List<Clients.Arrival> got = received.await(20, Duration.ofSeconds(40));
                    assertEquals(20, got.size());
                    for (Clients.Arrival a : got) {
                        Long at = due.remove(a.message().getKeys());
                        assertNotNull(at, "delivered twice or unknown: " + a.message().getKeys());
                        assertTrue(a.receivedAtMs() >= at, "early by " + (at - a.receivedAtMs()) + " ms");
                    }
                    assertTrue(received.drain(Duration.ofSeconds(2)).isEmpty(), "none twice");
                    assertEquals(0, second.store().recoveryReport().replayedRecords(),
                            "a clean stop leaves nothing to replay");
                } finally {
                    second.close();
                }
            } finally {
                producer.shutdown();
            }
        }
    }
}
