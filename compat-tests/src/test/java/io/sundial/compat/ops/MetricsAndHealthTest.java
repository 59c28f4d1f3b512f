package io.sundial.compat.ops;

import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.PrometheusText;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} scraped during a run (pending falls to zero, the lateness histogram counts every delivery) and
 * health through a backend outage (the broker frozen): ready all along, degraded while re-publishing fails.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class MetricsAndHealthTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void shouldCountDeliveriesAndStayReadyButDegradedDuringABackendOutage(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("Metrics");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        try (Sundial sundial = SundialCluster.startSundial(env.namesrvAddr(), dir, 0, "flushDiskType",
                "ASYNC_FLUSH", ProxyConfig.BACKEND_TIMEOUT_MS, "1000");
             Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            String base = "http://127.0.0.1:" + sundial.metricsPort();
            DefaultMQProducer producer = Clients.producer(sundial.address());
            try {
                send(producer, topic, 50, 3_000);
                String pendingSeries = "sundial_timers_pending{topic=\"" + topic + "\"}";
                assertEquals(50, value(get(base + "/metrics").body(), pendingSeries));
                assertEquals(50, received.await(50, Duration.ofSeconds(60)).size());
                awaitTrue(() -> value(get(base + "/metrics").body(), pendingSeries) == 0, "pending falls to zero");
                String metrics = get(base + "/metrics").body();
                assertEquals(50, value(metrics, "sundial_timers_accepted_total"));
                assertEquals(50, value(metrics, "sundial_timers_delivered_total"));
                assertTrue(value(metrics, "sundial_store_size_bytes{part=\"timerlog\"}") > 0, "a segment file");
                assertTrue(value(metrics, "sundial_store_size_bytes{part=\"index\"}") > 0, "RocksDB's files");
                assertTrue(value(metrics, "sundial_store_size_bytes{part=\"delivered_ledger\"}") >= 4 + 16 + 4,
                        "the 50 delivered timers named in the ledger");
                assertEquals(50, value(metrics, "sundial_delivery_lateness_seconds_count"),
                        "one lateness sample per delivered message");
                assertEquals(50, value(metrics, "sundial_delivery_lateness_seconds_bucket{le=\"3600.0\"}"));
                assertEquals(50, value(metrics, "sundial_republish_batch_timers_sum"), "every timer in one call");
                double calls = value(metrics, "sundial_republish_batch_timers_count");
                assertTrue(calls >= 1 && calls <= 50, "calls: " + calls);
                assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM metrics too");
                assertEquals(200, get(base + "/health/live").statusCode());

                env.cluster().suspendBroker();
                try {
                    send(producer, topic, 5, 300);
                    awaitTrue(() -> get(base + "/health/ready").body().contains("DEGRADED"), "degraded");
                    HttpResponse<String> ready = get(base + "/health/ready");
                    assertEquals(200, ready.statusCode(), "still ready: timers are still accepted");
                    assertTrue(ready.body().contains("re-publishing is failing"), ready.body());
                    AdminCli.Result status = new AdminCli(sundial.address(), null).run("status");
                    assertEquals("DEGRADED", status.json().getString("health"), status.json().toString());
                } finally {
                    env.cluster().resumeBroker();
                }
                awaitTrue(() -> value(get(base + "/metrics").body(), "sundial_timers_delivered_total") == 55,
                        "the 5 re-published once the broker is back");
                // What the topic holds, read by a new consumer group from the first offset: the consumer that lived
                // through the freeze may lag on its own account (it once missed one message for 90 s).
                try (Clients.Received fresh = Clients.consume(env.namesrvAddr(), topic, false)) {
                    Set<String> ids = new HashSet<>();
                    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                    while (ids.size() < 55 && System.nanoTime() < deadline) {
                        fresh.await(55, Duration.ofSeconds(1)).forEach(a -> ids.add(a.message().getMsgId()));
                    }
                    assertEquals(55, ids.size(), "the topic holds all 55, the 5 sent during the outage included");
                }
                awaitTrue(() -> get(base + "/health/ready").body().contains("\"UP\""), "up again");
            } finally {
                producer.shutdown();
            }
        }
    }

    private static void send(DefaultMQProducer producer, String topic, int n, long inMs) throws Exception {
        long due = System.currentTimeMillis() + inMs;
        for (int i = 0; i < n; i++) {
            Message m = new Message(topic, "t", "k" + i, ("m" + i).getBytes(StandardCharsets.UTF_8));
            m.setDeliverTimeMs(due);
            producer.send(m);
        }
    }

    private static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("GET " + url + " failed", e);
        }
    }

    private static double value(String exposition, String series) {
        return PrometheusText.value(exposition, series);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " within 60 s");
            Thread.sleep(250);
        }
    }
}
