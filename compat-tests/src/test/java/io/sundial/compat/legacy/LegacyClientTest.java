package io.sundial.compat.legacy;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stock 4.9.8 producer (child JVM: one classpath cannot hold two client versions) sends through Sundial. */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class LegacyClientTest {
    @TempDir
    Path home;

    @Test
    void shouldDeliverDelayLevelStartDeliverTimeAndTimerBatchSendsOfA498ClientOnTime(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("Legacy");
        env.cluster().createTopic(topic, 2, 6);
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            List<String> output = runLegacyProducer(env.sundialAddr(), topic);
            assertTrue(output.contains("DONE"), String.join("\n", output));
            assertTrue(output.stream().anyMatch(l -> l.startsWith("VERSION V4_9_8")), String.join("\n", output));
            Map<String, String[]> sent = new HashMap<>();
            for (String line : output) {
                if (line.startsWith("SENT ")) {
                    String[] p = line.split(" ");
                    sent.put(p[1], p);
                }
            }
            assertEquals(4, sent.size());
            List<Clients.Arrival> got = received.await(4, Duration.ofSeconds(40));
            assertEquals(4, got.size());
            for (Clients.Arrival a : got) {
                String[] s = sent.get(a.message().getUserProperty("form"));
                assertNotNull(s, "unexpected " + a.message());
                assertEquals(s[2], a.message().getMsgId());
                long earliest = Long.parseLong(s[3]);
                assertTrue(a.receivedAtMs() >= earliest, s[1] + " arrived " + (earliest - a.receivedAtMs())
                        + " ms early");
                assertNull(a.message().getProperty("DELAY"));
                assertNull(a.message().getProperty("__STARTDELIVERTIME"));
                assertNull(a.message().getProperty("TIMER_DELIVER_MS"));
                assertNull(a.message().getProperty("TIMER_DELAY_SEC"));
            }
        }
    }

    private List<String> runLegacyProducer(String namesrv, String topic) throws Exception {
        String libDir = System.getProperty("sundial.rocketmq.client4.lib", "../rocketmq-client4/target/lib");
        Path lib = Path.of(libDir);
        assertTrue(Files.isDirectory(lib), "the 4.9.8 client's jars are not at " + lib.toAbsolutePath()
                + ": build the rocketmq-client4 module (mvn -pl rocketmq-client4 generate-resources)");
        List<String> cp = new ArrayList<>();
        cp.add(Path.of(LegacyProducerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString());
        try (Stream<Path> jars = Files.list(lib)) {
            jars.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).sorted().forEach(cp::add);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-Duser.home=" + home, "-cp",
                String.join(File.pathSeparator, cp), LegacyProducerMain.class.getName(), namesrv, topic)
                .redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the 4.9.8 producer did not finish in 60 s");
        }
        return List.of(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n"));
    }
}
