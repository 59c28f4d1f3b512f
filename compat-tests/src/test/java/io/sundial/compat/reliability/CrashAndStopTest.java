package io.sundial.compat.reliability;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.compat.SundialProcess;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
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
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of Sundial (a child JVM, SYNC_FLUSH) while a stock producer sends 20,000 delayed messages with many in
 * flight, and again while it re-publishes a burst; and a graceful stop ({@code bin/sundial stop}'s SIGTERM) while it
 * both takes sends and fires timers, after which the next start replays nothing. Every message whose send was acknowledged reaches the consumer,
 * none early; duplicates are counted and reported (at least once; after a kill during a burst fewer than half of
 * what was received before it, decision 0032), and the figures are appended to
 * {@code target/reliability-figures.txt} for docs/reliability.md.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class CrashAndStopTest {
    private static final int MESSAGES = 20_000;
    private static final int IN_FLIGHT = 256;

    @TempDir
    Path dir;

    @Test
    void shouldDeliverEveryAcknowledgedSendAfterAKillDuringSending(SundialCluster.Running env) throws Exception {
        SplittableRandom random = new SplittableRandom();
        int killAfter = 2_000 + random.nextInt(8_000);
        run(env, "kill -9 during sending (after " + killAfter + " acks)", i -> 5_000 + (i * 7_919L % 15_000),
                (acked, received) -> acked >= killAfter, Integer.MAX_VALUE);
    }

    @Test
    void shouldDeliverEveryAcknowledgedSendAfterAKillDuringABurstOfRepublishing(SundialCluster.Running env)
            throws Exception {
        // At least 4,000: up to 1,024 re-publishes (a batch per lane) are at the broker at the kill, unrecorded.
        int killAfter = 4_000 + new SplittableRandom().nextInt(4_000);
        // Every timer re-published before the kill, at least the killAfter received, waits for its acknowledgement
        // (the burst): without the journal of delivered timers (decision 0032) all of them would come again.
        run(env, "kill -9 during re-publishing of a burst (after " + killAfter + " received)", i -> 15_000,
                (acked, received) -> received >= killAfter, killAfter / 2);
    }

    @Test
    void shouldLoseNothingAndReplayNothingAcrossAGracefulStopUnderLoad(SundialCluster.Running env) throws Exception {
        int stopAfter = 4_000 + new SplittableRandom().nextInt(6_000);
        run(env, "graceful stop (SIGTERM) while sending and firing (after " + stopAfter + " acks)",
                i -> 2_000 + (i * 7_919L % 10_000), (acked, received) -> acked >= stopAfter && received > 0, 0);
        String log = Files.readString(dir.resolve("logs").resolve("sundial.log"));
        String closing = log.lines().filter(l -> l.contains("Timer service closed") || l.contains("still with the"))
                .reduce("", (a, b) -> a + b + "\n");
        Files.writeString(Path.of("target", "reliability-figures.txt"), "  stop: " + closing,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        assertTrue(log.contains("Timer store closed"), "it closed its store");
        assertTrue(!log.contains("Timer store recovered"), "the next start replayed nothing");
    }

    /** When to kill, given how many sends were acknowledged and how many messages received so far. */
    private interface KillWhen {
        boolean now(int acked, int received);
    }

    private interface DueOffset {
        long ms(int i);
    }

    /** @param maxDuplicates what the stop may deliver twice: 0 for a graceful one */
    private void run(SundialCluster.Running env, String scenario, DueOffset dueOffset, KillWhen killWhen,
                     int maxDuplicates) throws Exception {
        boolean graceful = maxDuplicates == 0;
        String topic = Clients.unique("Kill");
        env.cluster().createTopic(topic, 4, EmbeddedCluster.PERM_READ_WRITE);
        Map<String, Long> acked = new ConcurrentHashMap<>();
        AtomicInteger failures = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong restartMs = new java.util.concurrent.atomic.AtomicLong(-1);
        try (SundialProcess sundial = new SundialProcess(dir, env.namesrvAddr(), "flushDiskType", "SYNC_FLUSH")
                .start();
             Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            DefaultMQProducer producer = Clients.producer(sundial.address());
            producer.setRetryTimesWhenSendAsyncFailed(0); // the test's own loop retries, as an application would
            ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
            Semaphore window = new Semaphore(IN_FLIGHT);
            List<Clients.Arrival> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread collector = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        arrivals.addAll(received.await(1_000, Duration.ofMillis(100)));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            collector.start();
            Thread killer = new Thread(() -> {
                try {
                    while (!killWhen.now(acked.size(), arrivals.size())) {
                        Thread.sleep(5);
                    }
                    if (graceful) {
                        sundial.stop();
                    } else {
                        sundial.kill();
                    }
                    long restart = System.nanoTime();
                    sundial.start();
                    restartMs.set((System.nanoTime() - restart) / 1_000_000);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            killer.start();
            long start = System.currentTimeMillis();
            long lastDue = 0;
            try {
                for (int i = 0; i < MESSAGES; i++) {
                    long due = start + dueOffset.ms(i);
                    lastDue = Math.max(lastDue, due);
                    Message m = new Message(topic, "t", "k" + i, ("m" + i).getBytes(StandardCharsets.UTF_8));
                    m.setDeliverTimeMs(due);
                    window.acquire();
                    send(producer, m, due, acked, failures, window, retries);
                }
                window.acquire(IN_FLIGHT); // every send acknowledged (retried through the kill)
                killer.join(TimeUnit.SECONDS.toMillis(120));
                long deadline = System.currentTimeMillis() + Math.max(0, lastDue - System.currentTimeMillis())
                        + 90_000;
                while (uniqueIds(arrivals) < acked.size() && System.currentTimeMillis() < deadline) {
                    Thread.sleep(200);
                }
                Thread.sleep(3_000); // late duplicates
            } finally {
                collector.interrupt();
                collector.join();
                retries.shutdownNow();
                producer.shutdown();
            }
            try (Stream<Path> tmp = Files.list(sundial.tmpDir())) {
                assertTrue(tmp.anyMatch(p -> p.getFileName().toString().startsWith("librocksdbjni")),
                        "RocksDB's copy of its library is in Sundial's own tmp dir (where start clears what killed"
                                + " runs leave), not in /tmp");
            }
            com.alibaba.fastjson2.JSONObject after = new io.sundial.compat.AdminCli(sundial.address(), null)
                    .run("status").json();
            report(scenario + ", restart to serving " + restartMs.get() + " ms, after the restart Sundial retried "
                    + after.getString("retried") + " re-publishes and " + journalAcks() + " timers were acknowledged"
                    + " from the journal", acked, arrivals, failures.get(), maxDuplicates);
        }
    }

    private static void send(DefaultMQProducer producer, Message m, long due, Map<String, Long> acked,
                             AtomicInteger failures, Semaphore window, ScheduledExecutorService retries) {
        try {
            producer.send(m, new SendCallback() {
                @Override
                public void onSuccess(SendResult r) {
                    acked.put(r.getMsgId(), due);
                    window.release();
                }

                @Override
                public void onException(Throwable e) {
                    failures.incrementAndGet();
                    retries.schedule(() -> send(producer, m, due, acked, failures, window, retries), 200,
                            TimeUnit.MILLISECONDS);
                }
            }, 10_000);
        } catch (Exception e) {
            failures.incrementAndGet();
            retries.schedule(() -> send(producer, m, due, acked, failures, window, retries), 200,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Where the copies of a few duplicated messages came from: one re-publish stored twice, or two re-publishes. */
    private static void describeDuplicates(List<Clients.Arrival> arrivals, Map<String, Integer> times)
            throws Exception {
        StringBuilder out = new StringBuilder();
        times.entrySet().stream().filter(e -> e.getValue() > 1).limit(5).forEach(e -> {
            out.append("  duplicate ").append(e.getKey()).append(':');
            for (Clients.Arrival a : arrivals) {
                if (a.message().getMsgId().equals(e.getKey())) {
                    out.append(String.format(" [fired %s, stored %d, queue %d offset %d, received %d]",
                            a.message().getProperty("SUNDIAL_FIRED_MS"), a.message().getStoreTimestamp(),
                            a.message().getQueueId(), a.message().getQueueOffset(), a.receivedAtMs()));
                }
            }
            out.append('\n');
        });
        System.out.print(out);
        Files.writeString(Path.of("target", "reliability-figures.txt"), out.toString(), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private static long uniqueIds(List<Clients.Arrival> arrivals) {
        return arrivals.stream().map(a -> a.message().getMsgId()).distinct().count();
    }

    /** What the store's recovery acknowledged from the journal of delivered timers at the restart (its log line). */
    private String journalAcks() throws IOException {
        Matcher m = Pattern.compile("acknowledged (\\d+) timers delivered before the stop")
                .matcher(Files.readString(dir.resolve("logs").resolve("sundial.log")));
        return m.find() ? m.group(1) : "0";
    }

    /** Figures of one run; a kill may deliver some twice (the counted at-least-once window), a graceful stop none. */
    private static void report(String scenario, Map<String, Long> acked, List<Clients.Arrival> arrivals,
                               int failedAttempts, int maxDuplicates) throws Exception {
        Clients.Tally tally = Clients.tally(arrivals, acked);
        Map<String, Integer> times = tally.times();
        long lost = tally.lost();
        int early = tally.early();
        int duplicates = tally.duplicates();
        describeDuplicates(arrivals, times);
        String line = String.format("%s: sent %d, acknowledged %d, send attempts failed and retried %d, received %d "
                        + "(%d distinct), duplicated %d, lost %d, early %d%n", scenario, MESSAGES, acked.size(),
                failedAttempts, arrivals.size(), times.size(), duplicates, lost, early);
        System.out.print(line);
        Files.writeString(Path.of("target", "reliability-figures.txt"), line, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        assertEquals(MESSAGES, acked.size(), "every send acknowledged in the end");
        assertEquals(0, lost, "every acknowledged message delivered");
        assertEquals(0, early, "none early");
        assertTrue(times.keySet().containsAll(acked.keySet()));
        assertTrue(duplicates <= maxDuplicates, duplicates + " duplicates, at most " + maxDuplicates
                + " expected (each copy is described above)");
    }
}
