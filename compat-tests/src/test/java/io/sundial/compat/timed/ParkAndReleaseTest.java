package io.sundial.compat.timed;

import com.alibaba.fastjson2.JSONArray;
import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.store.TimerStore;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A timer whose topic became read-only on the backend after it was accepted is parked when due (no writable
 * queue), kept and counted, and delivered once the permission is back and it is released. The broker itself does
 * not refuse writes to a read-only topic — clients honour the route's permission — so Sundial honours it as seen
 * in its route cache; this test's Sundial refreshes routes every second. Parked timers are seen and released with
 * the real {@code bin/sundial admin}.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class ParkAndReleaseTest {
    @TempDir
    Path dir;

    @Test
    void shouldParkATimerOfAReadOnlyTopicAndDeliverItAfterRelease(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("ReadOnly");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        try (Sundial sundial = SundialCluster.startSundial(env.namesrvAddr(), dir, 0,
                ProxyConfig.ROUTE_REFRESH_MS, "1000", "flushDiskType", "ASYNC_FLUSH")) {
            run(env, sundial, topic);
        }
    }

    private void run(SundialCluster.Running env, Sundial sundial, String topic) throws Exception {
        TimerStore store = sundial.store();
        DefaultMQProducer producer = Clients.producer(sundial.address());
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            Message m = new Message(topic, "parked", "key-parked", "wait for me".getBytes());
            m.setDelayTimeSec(3);
            SendResult sent = producer.send(m);
            env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_ONLY);

            AdminCli admin = new AdminCli(sundial.address(), SundialCluster.ADMIN_TOKEN);
            long deadline = System.currentTimeMillis() + 30_000;
            JSONArray parked = new JSONArray();
            while (parked.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(500);
                parked = admin.run("parked", "-t", topic).json().getJSONArray("timers");
            }
            assertEquals(1, parked.size(), "parked, not dropped");
            assertEquals(sent.getMsgId(), parked.getJSONObject(0).getString("uniqKey"));
            assertTrue(parked.getJSONObject(0).getString("parkReason").contains("writable"), parked.toString());
            assertEquals("PARKED", parked.getJSONObject(0).getString("state"));
            assertEquals(1, store.pendingCount(topic));
            assertTrue(received.drain(Duration.ofSeconds(1)).isEmpty(), "nothing delivered while parked");

            env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
            Thread.sleep(2_500); // Sundial's route cache sees the permission back
            AdminCli.Result released = admin.run("release", "-t", topic, "-i", sent.getMsgId());
            assertTrue(released.ok(), released.stderr());
            assertEquals(1, released.json().getJSONArray("timers").size());
            List<Clients.Arrival> got = received.await(1, Duration.ofSeconds(30));
            assertEquals(1, got.size());
            assertEquals(sent.getMsgId(), got.get(0).message().getMsgId());
            assertTrue(store.parked(topic, 10).isEmpty());
        } finally {
            producer.shutdown();
        }
    }
}
