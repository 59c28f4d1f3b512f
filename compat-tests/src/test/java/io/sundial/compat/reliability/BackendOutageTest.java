package io.sundial.compat.reliability;

import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.compat.SundialProcess;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend broker frozen (SIGSTOP) or stopped for 30 s while timers fall due: nothing lost, timers still
 * accepted, re-publishing retries with capped backoff (Sundial's CPU stays low: no busy loop), the backlog is
 * delivered when the broker returns, status shows the outage, and a pass-through send fails instead of hanging.
 * Sundial runs as a child JVM ({@code bin/sundial start}) so that its CPU time can be read.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class BackendOutageTest {
    private static final long OUTAGE_MS = 30_000;

    @TempDir
    Path dir;

    @Test
    void shouldDeliverEverythingAfterTheBrokerWasFrozen(SundialCluster.Running env) throws Exception {
        run(env, "broker frozen (SIGSTOP) 30 s", env.cluster()::suspendBroker, env.cluster()::resumeBroker);
    }

    @Test
    void shouldDeliverEverythingAfterTheBrokerWasStopped(SundialCluster.Running env) throws Exception {
        run(env, "broker stopped 30 s", env.cluster()::stopBroker, env.cluster()::startBroker);
    }

    private void run(SundialCluster.Running env, String scenario, Runnable outage, Runnable recovery)
            throws Exception {
        String topic = Clients.unique("Outage");
        String plain = Clients.unique("OutagePlain");
        env.cluster().createTopic(topic, 4, EmbeddedCluster.PERM_READ_WRITE);
        env.cluster().createTopic(plain, 1, EmbeddedCluster.PERM_READ_WRITE);
        Map<String, Long> acked = new HashMap<>();
        try (SundialProcess sundial = new SundialProcess(dir, env.namesrvAddr()).start()) {
            DefaultMQProducer producer = Clients.producer(sundial.address());
            try {
                Clients.sendTimersSpread(producer, topic, 200, 2_000, 10_000, acked);
                producer.send(new Message(plain, "warm-up".getBytes(StandardCharsets.UTF_8))); // route cached
                Thread.sleep(1_000);
                outage.run();
                long outageStart = System.nanoTime();
                String cpu;
                long passThroughMs;
                AdminCli.Result status;
                try {
                    // Still accepted during the outage.
                    Clients.sendTimersSpread(producer, topic, 100, 1_000, 20_000, acked);
                    long t = System.nanoTime();
                    boolean failed = false;
                    try {
                        producer.send(new Message(plain, "during the outage".getBytes(StandardCharsets.UTF_8)));
                    } catch (Exception expected) {
                        failed = true;
                    }
                    passThroughMs = (System.nanoTime() - t) / 1_000_000;
                    assertTrue(failed, "a pass-through send cannot succeed while the broker is out");
                    assertTrue(passThroughMs < 20_000, "it fails, it does not hang: " + passThroughMs + " ms");
                    Thread.sleep(5_000); // the first retries and backoffs
                    ProcessHandle p = ProcessHandle.of(sundial.pid()).orElseThrow();
                    Duration cpuBefore = p.info().totalCpuDuration().orElseThrow();
                    long wallBefore = System.nanoTime();
                    Thread.sleep(15_000);
                    double cpuShare = (p.info().totalCpuDuration().orElseThrow().minus(cpuBefore).toNanos())
                            / (double) (System.nanoTime() - wallBefore);
                    cpu = String.format("%.1f%%", cpuShare * 100);
                    assertTrue(cpuShare < 0.25, "no busy loop during the outage: Sundial used " + cpu + " of a core");
                    status = new AdminCli(sundial.address(), null).run("status");
                    Thread.sleep(Math.max(0, OUTAGE_MS - (System.nanoTime() - outageStart) / 1_000_000));
                } finally {
                    recovery.run();
                }
                assertEquals("DEGRADED", status.json().getString("health"), status.json().toString());

                // Sundial's part: everything re-published once the broker is back.
                long deadline = System.currentTimeMillis() + 120_000;
                AdminCli admin = new AdminCli(sundial.address(), null);
                while (admin.run("status").json().getLongValue("pending") > 0
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(1_000);
                }
                assertEquals(SendStatus.SEND_OK, sendOnceBack(producer, plain).getSendStatus(),
                        "pass-through works again");
                // What the topic holds, the broker's store time checked against the due time.
                Clients.ReadBack read = Clients.readBack(env.namesrvAddr(), topic, acked, Duration.ofSeconds(90));
                AdminCli.Result after = new AdminCli(sundial.address(), null).run("status");
                String line = String.format("%s: sent %d, acknowledged %d, received %d distinct, duplicated %d, "
                                + "lost %d, early %d (store time before due); Sundial CPU during the outage %s of a core; a pass-through "
                                + "send failed after %d ms; status %s; afterwards Sundial pending %s, delivered %s, retried %s%n",
                        scenario, acked.size(), acked.size(), read.distinct(), read.duplicates(), read.lost(),
                        read.early(), cpu,
                        passThroughMs, status.json().getString("health"), after.json().getString("pending"),
                        after.json().getString("delivered"), after.json().getString("retried"));
                System.out.print(line);
                Files.writeString(Path.of("target", "reliability-figures.txt"), line, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                assertEquals(0, read.lost(), "every acknowledged timer delivered after the outage");
                assertEquals(0, read.early(), "none early");
                assertOutageLoggedOnce(dir.resolve("logs").resolve("sundial.log"));
            } finally {
                producer.shutdown();
            }
        }
    }

    /**
     * 300 timers retried about a thousand times and a pass-through send retried by its producer: the log says once
     * per path that the broker stopped answering, with the cause, and once that it answers again, not once per
     * timer, send or retry.
     */
    private static void assertOutageLoggedOnce(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        List<String> warnings = lines.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
        // The broker is held (BrokerGate) by whichever path failed first: a re-publish or a pass-through send.
        List<String> down = lines.stream().filter(l -> l.contains("Broker at ") && l.contains(" did not answer a"))
                .toList();
        List<String> up = lines.stream().filter(l -> l.contains("answers again: sends to it resume")).toList();
        List<String> passDown = lines.stream().filter(l -> l.contains("Pass-through sends to broker")
                && l.contains(" fail: ")).toList();
        List<String> passUp = lines.stream().filter(l -> l.contains("pass again")).toList();
        assertEquals(1, down.size(), "the broker's silence is logged once, with its cause: " + warnings);
        assertEquals(1, up.size(), "its recovery is logged once: " + lines);
        assertEquals(1, passDown.size(), "the pass-through outage is logged once, with its cause: " + warnings);
        assertEquals(1, passUp.size(), "its recovery is logged once: " + lines);
        assertTrue(warnings.size() <= 6, "warnings and errors: " + warnings);
    }

    /** A plain send, repeated while the restarted broker is not yet back in the routes (60 s at most). */
    private static SendResult sendOnceBack(DefaultMQProducer producer, String topic) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                return producer.send(new Message(topic, "after the outage".getBytes(StandardCharsets.UTF_8)));
            } catch (Exception e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(1_000);
            }
        }
    }
}
