package io.sundial.compat.reliability;

import ch.qos.logback.classic.Level;
import com.alibaba.fastjson2.JSONObject;
import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.PrometheusText;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.store.CapturedLog;
import io.sundial.store.log.FaultyDisk;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The disk under Sundial's timer log starts returning I/O errors while a stock producer sends timers: each send is
 * answered {@code SYSTEM_ERROR} with the cause (the client retries, then gives up), health and {@code admin status}
 * name the failure, the metric counts it, and the log says so once — not once per send. Pass-through sends are
 * unaffected. When the disk works again Sundial stores timers again without a restart, and every timer it
 * acknowledged, before and after, reaches the real broker on time.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class DiskIoErrorTest {
    private static final int SENDS_DURING = 20;

    @TempDir
    Path dir;

    @Test
    void shouldRefuseTimersWithTheCauseWhileTheDiskFailsAndDeliverEveryAcknowledgedOne(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("DiskError");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        FaultyDisk disk = new FaultyDisk();
        CapturedLog log = new CapturedLog("io.sundial");
        try (log; Sundial sundial = SundialCluster.startSundial(env.namesrvAddr(), dir, 0, disk.channels(),
                "flushDiskType", "SYNC_FLUSH")) {
            DefaultMQProducer producer = Clients.producer(sundial.address());
            try {
                Map<String, Long> acked = new HashMap<>();
                Clients.sendTimersSpread(producer, topic, 10, 8_000, 9_000, acked);

                disk.failWrites(true);
                int refused = 0;
                String remark = null;
                for (int i = 0; i < SENDS_DURING; i++) {
                    Message m = new Message(topic, "during", "during-" + i, "refused".getBytes());
                    m.setDeliverTimeMs(System.currentTimeMillis() + 8_000);
                    MQClientException e = assertThrows(MQClientException.class, () -> producer.send(m));
                    assertEquals(ResponseCode.SYSTEM_ERROR, e.getResponseCode(), e.toString());
                    remark = e.getCause().getMessage();
                    refused++;
                }
                assertTrue(remark.contains("Sundial could not store the timer: the timer log cannot be written")
                        && remark.contains("Input/output error"), remark);
                SendResult plain = producer.send(new Message(topic, "plain", "plain", "passes".getBytes()));
                acked.put(plain.getMsgId(), 0L);

                JSONObject status = new AdminCli(sundial.address(), null).run("status").json();
                assertEquals("DEGRADED", status.getString("health"), status.toString());
                assertTrue(status.getString("healthReasons").contains("the timer log cannot be written"),
                        status.toString());
                assertTrue(status.getString("storeWriteFailure").contains("Input/output error"), status.toString());
                double failures = PrometheusText.value(PrometheusText.scrape(sundial.metricsPort()),
                        "sundial_store_write_failures_total");
                assertTrue(failures >= SENDS_DURING, "every refused write counted, retries too: " + failures);

                disk.failWrites(false);
                Clients.sendTimersSpread(producer, topic, 10, 4_000, 5_000, acked);
                assertNull(sundial.store().writeFailure(), "writes again, no restart");

                Clients.ReadBack read = Clients.readBack(env.namesrvAddr(), topic, acked, Duration.ofSeconds(60));
                String line = String.format("disk I/O errors under the timer log: %d timers refused (each retried by"
                                + " the client), %.0f failed writes counted, %d acknowledged delivered of %d, lost %d, "
                                + "early %d, duplicated %d; log lines of the episode: %d%n", refused, failures,
                        read.distinct(), acked.size(), read.lost(), read.early(), read.duplicates(),
                        log.lines(Level.ERROR, "").size());
                System.out.print(line);
                Files.writeString(Path.of("target", "reliability-figures.txt"), line, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                assertEquals(0, read.lost(), "every acknowledged timer delivered");
                assertEquals(0, read.early(), "none early");
            } finally {
                producer.shutdown();
            }
        }
        List<String> errors = log.lines(Level.ERROR, "");
        assertEquals(1, errors.size(), "the episode is logged once, not once per send: " + errors);
        assertTrue(errors.get(0).contains("Writing the timer log and index failed (the timer log cannot be written:"
                + " Input/output error"), errors.get(0));
        assertEquals(1, log.lines(Level.INFO, "Writing the timer log and index works again").size());
    }
}
