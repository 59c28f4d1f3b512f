package io.sundial.compat.ops;

import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.SundialScript;
import io.sundial.proxy.net.FreePorts;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command and its producer example, as a new user runs them: {@code bin/sundial quickstart}
 * starts a name server, a broker and Sundial; a timed send and a plain one, to topics nobody created, reach a
 * consumer of the real name server (the timed one not before its time); the admin command it prints answers;
 * Ctrl-C stops everything it started.
 */
@Tag("slow")
class QuickstartTest {
    private static final String READY = "Sundial quickstart is running.";

    @TempDir
    Path dir;

    @Test
    void shouldRunTheReadmeExampleAndStopEverythingOnCtrlC() throws Exception {
        int namesrvPort = FreePorts.pickSingle();
        int brokerPort = FreePorts.pickBroker(Set.of(namesrvPort));
        Set<Integer> taken = new HashSet<>(FreePorts.brokerPorts(brokerPort));
        taken.add(namesrvPort);
        int port = FreePorts.pickSundial(taken);
        taken.addAll(FreePorts.sundialPorts(port));
        int metricsPort = FreePorts.pickSingle(taken);
        Path out = dir.resolve("quickstart.out");
        ProcessBuilder pb = SundialScript.builder("-Xmx256m", dir.resolve("logs"), "quickstart", "--dir",
                dir.resolve("qs").toString(),
                "--namesrv-port", Integer.toString(namesrvPort), "--broker-port", Integer.toString(brokerPort),
                "--port", Integer.toString(port), "--metrics-port", Integer.toString(metricsPort))
                .redirectErrorStream(true).redirectOutput(out.toFile());
        Process quickstart = pb.start();
        List<ProcessHandle> started = List.of();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.readString(out).contains(READY)) {
                assertTrue(quickstart.isAlive(), Files.readString(out));
                assertTrue(System.nanoTime() < deadline, "not ready within 120 s: " + Files.readString(out));
                Thread.sleep(200);
            }
            started = quickstart.descendants().toList();
            assertEquals(2, started.size(), "a name server and a broker, each in its own JVM: " + started);

            String namesrv = "127.0.0.1:" + namesrvPort;
            String reminders = Clients.unique("PaymentReminders");
            String orders = Clients.unique("Orders");
            String sundial = "127.0.0.1:" + port;
            DefaultMQProducer producer = Clients.producer(sundial);
            long due;
            SendResult timed;
            SendResult plain;
            try {
                Message reminder = new Message(reminders, "due", "order-42", "pay now".getBytes());
                due = System.currentTimeMillis() + 3_000;
                reminder.setDeliverTimeMs(due);
                timed = producer.send(reminder);
                plain = producer.send(new Message(orders, "created", "order-42", "{...}".getBytes()));
            } finally {
                producer.shutdown();
            }

            assertEquals(new Clients.ReadBack(1, 0, 0, 0),
                    Clients.readBack(namesrv, orders, Map.of(plain.getMsgId(), 0L), Duration.ofSeconds(30)),
                    "the plain send passed through at once");
            Thread.sleep(Math.max(0, due + 1_000 - System.currentTimeMillis()));
            assertEquals(new Clients.ReadBack(1, 0, 0, 0),
                    Clients.readBack(namesrv, reminders, Map.of(timed.getMsgId(), due), Duration.ofSeconds(30)),
                    "the timed send arrived once, not early");
            // The admin command the quickstart prints, as printed (reads need no token).
            assertTrue(Files.readString(out).contains("bin/sundial admin status -s " + sundial), Files.readString(out));
            AdminCli.Result status = new AdminCli(sundial, null).run("status");
            assertEquals(0, status.exit(), status.stderr());
            assertEquals("UP", status.json().getString("health"), status.json().toString());
            assertEquals(1, status.json().getLongValue("delivered"), status.json().toString());
            assertEquals(0, status.json().getLongValue("pending"), status.json().toString());

            // What Ctrl-C in the terminal sends.
            Process ctrlC = new ProcessBuilder("kill", "-INT", Long.toString(quickstart.pid())).start();
            assertEquals(0, ctrlC.waitFor());
            assertTrue(quickstart.waitFor(60, TimeUnit.SECONDS), "quickstart exits: " + Files.readString(out));
            for (ProcessHandle child : started) {
                assertFalse(child.isAlive(), "left running: " + child.info());
            }
        } finally {
            quickstart.destroyForcibly();
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
