package io.sundial.compat.admin;

import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pause and resume across a restart, and "too late" for a timer being re-published, through the real CLI. */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class AdminPauseAndTooLateTest {
    @TempDir
    Path dir;

    @Test
    void shouldHoldAPausedTopicAcrossARestartAndDeliverItWhenResumed(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("Paused");
        env.cluster().createTopic(topic, 4, EmbeddedCluster.PERM_READ_WRITE);
        Map<String, Long> due = new HashMap<>();
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            try (Sundial first = SundialCluster.startSundial(env.namesrvAddr(), dir, 0, "flushDiskType", "ASYNC_FLUSH")) {
                AdminCli admin = new AdminCli(first.address(), SundialCluster.ADMIN_TOKEN);
                AdminCli.Result paused = admin.run("pause", "-t", topic);
                assertTrue(paused.ok(), paused.stderr());
                DefaultMQProducer producer = Clients.producer(first.address());
                try {
                    long now = System.currentTimeMillis();
                    for (int i = 0; i < 5; i++) {
                        Message m = new Message(topic, "t", "p" + i, ("paused " + i).getBytes(StandardCharsets.UTF_8));
                        m.setDeliverTimeMs(now + 1_000 + i * 100L);
                        due.put(producer.send(m).getMsgId(), now + 1_000 + i * 100L);
                    }
                } finally {
                    producer.shutdown();
                }
                assertTrue(received.drain(Duration.ofSeconds(4)).isEmpty(), "held while paused");
                JSONObject stats = admin.run("stats", "-t", topic).json().getJSONArray("topics").getJSONObject(0);
                assertTrue(stats.getBooleanValue("paused"));
                assertEquals(5, stats.getLongValue("pending"));
                JSONObject timer = admin.run("list", "-t", topic).json().getJSONArray("timers").getJSONObject(0);
                assertEquals("PAUSED", timer.getString("state"));
            }
            try (Sundial second = SundialCluster.startSundial(env.namesrvAddr(), dir, 0, "flushDiskType", "ASYNC_FLUSH")) {
                AdminCli admin = new AdminCli(second.address(), SundialCluster.ADMIN_TOKEN);
                JSONArray pausedTopics = admin.run("status").json().getJSONArray("pausedTopics");
                assertEquals(topic, pausedTopics.getJSONObject(0).getString("topic"), "the pause survived the restart");
                assertTrue(received.drain(Duration.ofSeconds(2)).isEmpty(), "still held after the restart");
                AdminCli.Result resumed = admin.run("resume", "-t", topic);
                assertTrue(resumed.ok(), resumed.stderr());
                List<Clients.Arrival> got = received.await(5, Duration.ofSeconds(30));
                assertEquals(5, got.size());
                for (Clients.Arrival a : got) {
                    assertTrue(a.receivedAtMs() >= due.get(a.message().getMsgId()), "never early");
                }
                assertEquals(1, admin.run("resume", "-t", topic).exit(), "not paused any more");
            }
        }
    }

    @Test
    void shouldAnswerTooLateToACancelOfATimerBeingRepublished(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("TooLate");
        env.cluster().createTopic(topic, 1, EmbeddedCluster.PERM_READ_WRITE);
        try (Sundial sundial = SundialCluster.startSundial(env.namesrvAddr(), dir, 0, "flushDiskType",
                "ASYNC_FLUSH", ProxyConfig.BACKEND_TIMEOUT_MS, "20000");
             Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            AdminCli admin = new AdminCli(sundial.address(), SundialCluster.ADMIN_TOKEN);
            DefaultMQProducer producer = Clients.producer(sundial.address());
            String id;
            long due = System.currentTimeMillis() + 8_000; // room for a slow first send on a loaded machine
            try {
                Message m = new Message(topic, "t", "late", "too late to cancel".getBytes(StandardCharsets.UTF_8));
                m.setDeliverTimeMs(due);
                id = producer.send(m).getMsgId();
            } finally {
                producer.shutdown();
            }
            Thread.sleep(Math.max(0, due - 1_500 - System.currentTimeMillis()));
            assertTrue(System.currentTimeMillis() < due - 300, "the broker must be frozen before the timer is due");
            env.cluster().suspendBroker(); // the re-publish at the due time hangs: the timer stays in flight
            AdminCli.Result cancel;
            try {
                Thread.sleep(Math.max(0, due + 1_500 - System.currentTimeMillis()));
                cancel = admin.run("cancel", "-t", topic, "-i", id);
            } finally {
                env.cluster().resumeBroker();
            }
            assertEquals(1, cancel.exit(), cancel.stderr());
            assertTrue(cancel.stderr().contains("too late"), cancel.stderr());
            assertEquals("TOO_LATE", cancel.json().getJSONArray("timers").getJSONObject(0).getString("outcome"));
            List<Clients.Arrival> got = received.await(1, Duration.ofSeconds(60));
            assertEquals(1, got.size(), "delivered, as the answer said");
            assertEquals(id, got.get(0).message().getMsgId());
        }
    }
}
