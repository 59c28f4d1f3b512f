package io.sundial.compat.reliability;

import io.sundial.compat.Clients;
import io.sundial.compat.PrometheusText;
import io.sundial.compat.SundialCluster;
import io.sundial.compat.SundialProcess;
import io.sundial.proxy.config.RequestLimits;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 64 producer threads sending 16 KiB messages as fast as Sundial answers, timed and passed through, then an
 * asynchronous producer with 1,000 sends in flight, against a Sundial (a child JVM, 256 MiB heap) whose
 * {@code maxInflightBytes} is 256 KiB: what does not fit is answered {@code SYSTEM_BUSY} (2) at once — the sync
 * client retries it, the async client hands it to {@code onException} — and nothing else goes wrong: no timeout,
 * no other error, every acknowledged send delivered (none early), the in-flight bytes back to 0 afterwards, no
 * full GC and no OutOfMemoryError. Figures go to {@code target/reliability-figures.txt}.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class OverloadTest {
    private static final int THREADS = 64;
    private static final int TIMED_THREADS = 48;
    private static final int SENDS_PER_THREAD = 60;
    private static final int ASYNC_SENDS = 1_000;
    private static final int BODY_BYTES = 16 * 1024;
    private static final String BUDGET = "256k";
    private static final Pattern GC_PAUSE =
            Pattern.compile("\\[gc\\s*\\] GC\\(\\d+\\) (Pause [^(]+).* (\\d+(?:\\.\\d+)?)ms$");

    @TempDir
    Path dir;

    @Test
    void shouldAnswerBusyAtOnceAndLoseNothingWhenSixtyFourThreadsFloodIt(SundialCluster.Running env)
            throws Exception {
        String timedTopic = Clients.unique("Overload");
        String plainTopic = Clients.unique("OverloadPlain");
        env.cluster().createTopic(timedTopic, 4, EmbeddedCluster.PERM_READ_WRITE);
        env.cluster().createTopic(plainTopic, 4, EmbeddedCluster.PERM_READ_WRITE);
        Map<String, Long> timedAcked = new ConcurrentHashMap<>();
        Set<String> plainAcked = ConcurrentHashMap.newKeySet();
        Outcomes sync = new Outcomes();
        Outcomes async = new Outcomes();
        try (SundialProcess sundial = new SundialProcess(dir, env.namesrvAddr(),
                RequestLimits.MAX_INFLIGHT_BYTES, BUDGET).javaOpts("-Xms256m -Xmx256m").start()) {
            List<DefaultMQProducer> producers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    producers.add(Clients.producer(sundial.address()));
                }
                long syncStart = System.nanoTime();
                floodFromThreads(producers, timedTopic, plainTopic, timedAcked, plainAcked, sync);
                long syncMs = (System.nanoTime() - syncStart) / 1_000_000;
                floodAsync(producers.get(0), timedTopic, timedAcked, async);

                String metrics = PrometheusText.scrape(sundial.metricsPort());
                double busyAnswers = PrometheusText.value(metrics, "sundial_sends_rejected_total{reason=\"busy\"}");
                double inflight = PrometheusText.value(metrics, "sundial_sends_inflight_bytes");
                Clients.ReadBack timed = Clients.readBack(env.namesrvAddr(), timedTopic, timedAcked,
                        Duration.ofSeconds(120));
                Clients.ReadBack plain = Clients.readBack(env.namesrvAddr(), plainTopic, toMap(plainAcked),
                        Duration.ofSeconds(120));
                assertTrue(sundial.isAlive(), "Sundial survived the flood");
                GcFigures gc = GcFigures.read(sundial.gcLog());

                String line = String.format("overload (64 threads x %d sends of 16 KiB, maxInflightBytes=%s, -Xmx256m,"
                                + " %d ms; then %d async sends): sync sends acknowledged %d, failed busy after the"
                                + " client's retries %d (after p50 %d ms, max %d ms), other failures %d; async"
                                + " acknowledged %d, busy in onException %d (p50 %d ms, max %d ms after the"
                                + " send call, 1,000 queued in the client), other failures %d;"
                                + " Sundial answered busy %.0f times; in flight afterwards %.0f bytes; timed received"
                                + " %d of %d, duplicated %d, lost %d, early %d; passed through received %d of %d,"
                                + " lost %d; GC: %d pauses, longest %.1f ms (%s), full GCs %d, heap after GC at most"
                                + " %d MiB of %d MiB%n",
                        SENDS_PER_THREAD, BUDGET, syncMs, ASYNC_SENDS, sync.acked(), sync.busy.size(),
                        sync.percentileBusyMs(50), sync.percentileBusyMs(100), sync.others.size(), async.acked(),
                        async.busy.size(), async.percentileBusyMs(50), async.percentileBusyMs(100),
                        async.others.size(), busyAnswers, inflight, timed.distinct(), timedAcked.size(),
                        timed.duplicates(), timed.lost(), timed.early(), plain.distinct(), plainAcked.size(),
                        plain.lost(),
                        gc.pauses, gc.longestMs, gc.longestKind, gc.fullGcs, gc.maxHeapAfterMb, gc.heapMb);
                System.out.print(line);
                Files.writeString(Path.of("target", "reliability-figures.txt"), line, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);

                assertTrue(busyAnswers > 0, "the flood reached the budget: Sundial answered busy");
                assertTrue(async.busy.size() > 0, "an async producer sees SYSTEM_BUSY in onException");
                assertEquals(List.of(), sync.others, "sync sends fail only with SYSTEM_BUSY: no timeout, no error");
                assertEquals(List.of(), async.others, "async sends fail only with SYSTEM_BUSY");
                assertTrue(sync.acked() > 0 && async.acked() > 0, "sends still get through during the flood");
                assertEquals(0, inflight, "every send's bytes were given back");
                assertEquals(0, timed.lost(), "every acknowledged timed send delivered");
                assertEquals(0, timed.early(), "none early");
                assertEquals(0, plain.lost(), "every acknowledged pass-through send delivered");
                assertEquals(0, gc.fullGcs, "no full GC: the heap stayed within -Xmx");
                assertFalse(Files.readString(dir.resolve("sundial-1.out")).contains("OutOfMemoryError"));
            } finally {
                producers.forEach(DefaultMQProducer::shutdown);
            }
        }
    }

    /** 64 threads over 4 producers, each sending its share synchronously as fast as it is answered. */
    private static void floodFromThreads(List<DefaultMQProducer> producers, String timedTopic, String plainTopic,
                                         Map<String, Long> timedAcked, Set<String> plainAcked, Outcomes outcomes)
            throws InterruptedException {
        byte[] body = incompressibleBody();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            DefaultMQProducer producer = producers.get(t % producers.size());
            boolean timed = t < TIMED_THREADS;
            int thread = t;
            threads.add(new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < SENDS_PER_THREAD; i++) {
                    Message m = new Message(timed ? timedTopic : plainTopic, "t", "k" + thread + "-" + i, body);
                    long due = System.currentTimeMillis() + 3_000 + (i * 97L % 5_000);
                    if (timed) {
                        m.setDeliverTimeMs(due);
                    }
                    long sent = System.nanoTime();
                    try {
                        SendResult r = producer.send(m);
                        if (timed) {
                            timedAcked.put(r.getMsgId(), due);
                        } else {
                            plainAcked.add(r.getMsgId());
                        }
                        outcomes.succeeded();
                    } catch (Exception e) {
                        outcomes.failed(e, sent);
                    }
                }
            }, "flood-" + t));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(5));
        }
    }

    /** {@link #ASYNC_SENDS} asynchronous timed sends issued at once from one thread. */
    private static void floodAsync(DefaultMQProducer producer, String topic, Map<String, Long> acked,
                                   Outcomes outcomes) throws Exception {
        byte[] body = incompressibleBody();
        CountDownLatch answered = new CountDownLatch(ASYNC_SENDS);
        for (int i = 0; i < ASYNC_SENDS; i++) {
            Message m = new Message(topic, "t", "a" + i, body);
            long due = System.currentTimeMillis() + 3_000;
            m.setDeliverTimeMs(due);
            long sent = System.nanoTime();
            producer.send(m, new SendCallback() {
                @Override
                public void onSuccess(SendResult r) {
                    acked.put(r.getMsgId(), due);
                    outcomes.succeeded();
                    answered.countDown();
                }

                @Override
                public void onException(Throwable e) {
                    outcomes.failed(e, sent);
                    answered.countDown();
                }
            });
        }
        assertTrue(answered.await(2, TimeUnit.MINUTES), "every async send answered");
    }

    /** Random bytes: the client compresses bodies over 4 KiB, and zeros would cross the wire as a few bytes. */
    private static byte[] incompressibleBody() {
        byte[] body = new byte[BODY_BYTES];
        new SplittableRandom(42).nextBytes(body);
        return body;
    }

    private static Map<String, Long> toMap(Set<String> ids) {
        Map<String, Long> m = new HashMap<>();
        ids.forEach(id -> m.put(id, 0L));
        return m;
    }

    /** Sends that failed: with SYSTEM_BUSY (and how long the answer took) or with anything else. */
    private static final class Outcomes {
        final ConcurrentLinkedQueue<Long> busy = new ConcurrentLinkedQueue<>();
        final List<String> others = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger acked = new AtomicInteger();

        void succeeded() {
            acked.incrementAndGet();
        }

        void failed(Throwable e, long sentNanos) {
            long ms = (System.nanoTime() - sentNanos) / 1_000_000;
            // A sync send's last refusal comes wrapped: "Send [3] times, still failed", caused by the broker answer.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof MQBrokerException b && b.getResponseCode() == ResponseCode.SYSTEM_BUSY) {
                    busy.add(ms);
                    return;
                }
            }
            others.add(e.toString());
        }

        int acked() {
            return acked.get();
        }

        long percentileBusyMs(int p) {
            List<Long> sorted = new ArrayList<>(busy);
            if (sorted.isEmpty()) {
                return 0;
            }
            Collections.sort(sorted);
            return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
        }
    }

    /** Pauses, full GCs and the heap after GC, from a unified-logging GC log ({@code -Xlog:gc*}). */
    private record GcFigures(int pauses, double longestMs, String longestKind, int fullGcs, long maxHeapAfterMb,
                             long heapMb) {
        private static final Pattern HEAP = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

        static GcFigures read(Path log) throws Exception {
            int pauses = 0;
            int full = 0;
            double longest = 0;
            String kind = "none";
            long maxAfter = 0;
            long heap = 0;
            for (String line : Files.readAllLines(log)) {
                Matcher m = GC_PAUSE.matcher(line);
                if (!m.find()) {
                    continue;
                }
                pauses++;
                if (m.group(1).startsWith("Pause Full")) {
                    full++;
                }
                double ms = Double.parseDouble(m.group(2));
                if (ms > longest) {
                    longest = ms;
                    kind = m.group(1).trim();
                }
                Matcher h = HEAP.matcher(line);
                if (h.find()) {
                    maxAfter = Math.max(maxAfter, Long.parseLong(h.group(2)));
                    heap = Math.max(heap, Long.parseLong(h.group(3)));
                }
            }
            return new GcFigures(pauses, longest, kind, full, maxAfter, heap);
        }
    }
}
