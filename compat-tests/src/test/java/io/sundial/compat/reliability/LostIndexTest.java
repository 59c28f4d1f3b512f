package io.sundial.compat.reliability;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.compat.SundialProcess;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.store.log.DurableFiles;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The index lost while Sundial is stopped (deleted here, as an operator moves a damaged one aside): the next start
 * rebuilds it from the timer log. Through the stock producer and consumer and the real broker, the timers delivered
 * before the stop stay delivered, though their records share the log's segment with timers still pending (the ledger
 * of delivered timers, decision 0050), and the pending ones arrive once, none early.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class LostIndexTest {
    private static final int EACH = 200;

    @TempDir
    Path dir;

    @Test
    void shouldDeliverNothingTwiceAfterTheIndexIsRebuiltFromTheLog(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("LostIndex");
        env.cluster().createTopic(topic, 4, EmbeddedCluster.PERM_READ_WRITE);
        Map<String, Long> delivered = new HashMap<>();
        Map<String, Long> pending = new HashMap<>();
        List<Clients.Arrival> arrivals = new ArrayList<>();
        String log;
        try (SundialProcess sundial = new SundialProcess(dir, env.namesrvAddr()).start();
             Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            DefaultMQProducer producer = Clients.producer(sundial.address());
            try {
                Clients.sendTimersSpread(producer, topic, EACH, 2_000, 3_000, delivered);
                Clients.sendTimersSpread(producer, topic, EACH, 25_000, 26_000, pending);
            } finally {
                producer.shutdown();
            }
            arrivals.addAll(received.await(EACH, Duration.ofSeconds(60)));
            assertEquals(EACH, arrivals.size(), "the first timers arrived before the stop");
            Thread.sleep(1_000); // their acknowledgements written (every ackLingerMs)

            sundial.stop();
            DurableFiles.deleteTree(dir.resolve("store").resolve("index"));
            sundial.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!idsOf(arrivals).containsAll(pending.keySet()) && System.nanoTime() < deadline) {
                arrivals.addAll(received.await(EACH, Duration.ofMillis(500)));
            }
            arrivals.addAll(received.drain(Duration.ofSeconds(3))); // late copies
            log = Files.readString(dir.resolve("logs").resolve("sundial.log"));
        }
        Map<String, Long> dueById = new HashMap<>(delivered);
        dueById.putAll(pending);
        Clients.Tally tally = Clients.tally(arrivals, dueById);
        Map<String, Integer> times = tally.times();
        int duplicates = tally.duplicates();
        long lost = tally.lost();
        int early = tally.early();
        String line = String.format("index lost and rebuilt from the log: %d delivered before the stop, %d pending;"
                + " received %d (%d distinct), duplicated %d, lost %d, early %d%n", EACH, EACH, arrivals.size(),
                times.size(), duplicates, lost, early);
        System.out.print(line);
        Files.writeString(Path.of("target", "reliability-figures.txt"), line, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        assertTrue(log.contains("rebuilding the index from the log"), "the start rebuilt the index");
        assertTrue(log.contains("left out " + EACH + " records of delivered timers"),
                "the rebuild left out the delivered timers");
        assertEquals(0, lost, "every timer delivered");
        assertEquals(0, early, "none early");
        assertEquals(0, duplicates, "none delivered twice");
        assertEquals(2 * EACH, times.size());
    }

    private static Set<String> idsOf(List<Clients.Arrival> arrivals) {
        Set<String> ids = new HashSet<>();
        arrivals.forEach(a -> ids.add(a.message().getMsgId()));
        return ids;
    }
}
