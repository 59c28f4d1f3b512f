package io.sundial.compat.legacy;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
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

    /**
     * A 4.9.4 producer (no broker named in its sends) to a topic nobody created, which the broker creates at its
     * first send (the quickstart's case): plain, timed and selector sends all arrive, none early.
     */
    @Test
    void shouldDeliverTheSendsOfA494ClientToATopicTheBrokerCreates(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("LegacyCreated");
        int each = 4;
        List<String> output = ChildClient.run(ChildClient.CLIENT_494, UnnamedBrokerProducerMain.class, home,
                env.sundialAddr(), topic, Integer.toString(each));
        String printed = String.join("\n", output);
        assertTrue(output.contains("DONE") && output.contains("QUEUES none"), printed);
        Map<String, Long> dueById = new HashMap<>();
        for (String line : output) {
            if (line.startsWith("SENT ")) {
                String[] f = line.split(" ");
                assertEquals("SEND_OK", f[4], line);
                dueById.put(f[5], Long.parseLong(f[3]));
            }
        }
        assertEquals(3 * each, dueById.size(), printed);
        assertEquals(new Clients.ReadBack(3 * each, 0, 0, 0),
                Clients.readBack(env.namesrvAddr(), topic, dueById, Duration.ofSeconds(30)));
    }

    private List<String> runLegacyProducer(String namesrv, String topic) throws Exception {
        return ChildClient.run(ChildClient.CLIENT_498, LegacyProducerMain.class, home, namesrv, topic);
    }
}
