package io.sundial.compat.reliability;

import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend's name server out while its broker runs on. A producer connected to the cluster keeps its last
 * routes through that and goes on sending; so does Sundial (decision 0039).
 * <ul>
 *   <li>Frozen (SIGSTOP) for 25 s, as in a network split from it: timed and plain sends are accepted and timers
 *       that fall due are delivered during the outage; health reads DEGRADED, naming the name server. Routes are
 *       refreshed every 4 s here, so several refreshes fail.</li>
 *   <li>Restarted: it knows no broker until the broker registers again (up to 30 s), and reads every topic as
 *       missing meanwhile; timers due in that gap are delivered in it.</li>
 *   <li>One of two name servers silent: Sundial keeps to the one that answers, so sends needing a route do not
 *       each wait out the silent one's timeout.</li>
 * </ul>
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class NameServerOutageTest {
    private static final long OUTAGE_MS = 25_000;

    @TempDir
    Path dir;

    @Test
    void shouldGoOnStoringAndDeliveringByTheLastKnownRoutesWhileTheNameServerIsOut(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("NamesrvOutage");
        String plain = Clients.unique("NamesrvOutagePlain");
        env.cluster().createTopic(topic, 4, EmbeddedCluster.PERM_READ_WRITE);
        env.cluster().createTopic(plain, 1, EmbeddedCluster.PERM_READ_WRITE);
        Map<String, Long> acked = new HashMap<>();
        try (Sundial sundial = SundialCluster.startSundial(env.namesrvAddr(), dir.resolve("sundial"), 0,
                "routeRefreshIntervalMs", "4000", "backendTimeoutMs", "1000")) {
            DefaultMQProducer producer = Clients.producer(sundial.address());
            try {
                assertEquals(SendStatus.SEND_OK, sendPlain(producer, plain).getSendStatus());
                // Routes known; due during the outage.
                Clients.sendTimersSpread(producer, topic, 100, 2_000, OUTAGE_MS, acked);

                env.cluster().suspendNamesrv();
                long deliveredBefore;
                long dueByTheEnd;
                try {
                    Thread.sleep(10_000); // two refreshes failed
                    AdminCli.Result status = new AdminCli(sundial.address(), null).run("status");
                    assertEquals("DEGRADED", status.json().getString("health"), status.json().toString());
                    assertTrue(status.json().getString("healthReasons").contains("backend name server"),
                            status.json().toString());
                    // New sends while the name server is out: accepted, and those due within it delivered in it.
                    Clients.sendTimersSpread(producer, topic, 50, 1_000, 5_000, acked);
                    assertEquals(SendStatus.SEND_OK, sendPlain(producer, plain).getSendStatus(),
                            "a plain send passes by the broker Sundial knew");
                    Thread.sleep(OUTAGE_MS - 10_000);
                    deliveredBefore = sundial.timers().stats().delivered();
                    long now = System.currentTimeMillis();
                    dueByTheEnd = acked.values().stream().filter(due -> due < now - 2_000).count();
                } finally {
                    env.cluster().resumeNamesrv();
                }
                assertTrue(dueByTheEnd >= 100, "the test's timers fell due within the outage: " + dueByTheEnd);
                assertTrue(deliveredBefore >= dueByTheEnd, "timers due during the outage were delivered in it: "
                        + deliveredBefore + " of " + dueByTheEnd + " due 2 s before its end");

                Clients.ReadBack read = Clients.readBack(env.namesrvAddr(), topic, acked, Duration.ofSeconds(60));
                System.out.printf("name server frozen %d s: acknowledged %d, delivered during the outage %d of the"
                                + " %d due, received %d distinct, duplicated %d, lost %d, early %d%n",
                        OUTAGE_MS / 1000, acked.size(), deliveredBefore, dueByTheEnd, read.distinct(),
                        read.duplicates(), read.lost(), read.early());
                assertEquals(0, read.lost(), "every acknowledged timer delivered");
                assertEquals(0, read.early(), "none early");
            } finally {
                producer.shutdown();
            }
        }
    }

    @Test
    void shouldGoOnDeliveringByTheLastKnownRoutesWhileARestartedNameServerKnowsNoBroker(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("NamesrvRestart");
        env.cluster().createTopic(topic, 4, EmbeddedCluster.PERM_READ_WRITE);
        Map<String, Long> acked = new HashMap<>();
        try (Sundial sundial = SundialCluster.startSundial(env.namesrvAddr(), dir.resolve("sundial"), 0,
                "routeRefreshIntervalMs", "2000")) {
            DefaultMQProducer producer = Clients.producer(sundial.address());
            try {
                Clients.sendTimersSpread(producer, topic, 100, 2_000, 20_000, acked);
                long restarted;
                long gapEnd;
                long delivered;
                try {
                    env.cluster().restartNamesrv();
                    // The broker registers again at its next 30 s period, at a moment this test cannot choose;
                    // until then the name server reads every topic as missing. Measured up to 15 s.
                    restarted = System.currentTimeMillis();
                    while (!env.cluster().isBrokerRegistered() && System.currentTimeMillis() - restarted < 15_000) {
                        Thread.sleep(200);
                    }
                    gapEnd = System.currentTimeMillis();
                    delivered = sundial.timers().stats().delivered();
                } finally {
                    env.cluster().awaitBrokerRegistered(Duration.ofSeconds(60)); // the suite's later tests need it
                }
                long dueInGap = acked.values().stream().filter(due -> due < gapEnd - 2_000).count();

                Clients.ReadBack read = Clients.readBack(env.namesrvAddr(), topic, acked, Duration.ofSeconds(60));
                System.out.printf("name server restarted: the broker unregistered for %d ms; delivered %d of the %d"
                                + " due 2 s before that gap's end; received %d distinct, duplicated %d, lost %d,"
                                + " early %d%n", gapEnd - restarted, delivered, dueInGap, read.distinct(),
                        read.duplicates(), read.lost(), read.early());
                assertTrue(delivered >= dueInGap, "timers due while the name server knew no broker were delivered"
                        + " then: " + delivered + " of " + dueInGap);
                assertEquals(0, read.lost(), "every acknowledged timer delivered");
                assertEquals(0, read.early(), "none early");
            } finally {
                producer.shutdown();
            }
        }
    }

    @Test
    void shouldKeepToTheNameServerThatAnswersWhenAnotherIsSilent(SundialCluster.Running env) throws Exception {
        // A name server host that accepts connections and never answers (frozen, or behind a black hole), listed
        // first: every request to it costs Sundial its 3 s timeout, as long as a producer's whole send.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Sundial sundial = SundialCluster.startSundial("127.0.0.1:" + silent.getLocalPort() + ";"
                     + env.namesrvAddr(), dir.resolve("sundial"), 0)) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "silent-namesrv");
            acceptor.setDaemon(true);
            acceptor.start();
            Thread.sleep(5_000); // Sundial's first asks (its health probe) meet the silent one
            DefaultMQProducer producer = new DefaultMQProducer(Clients.unique("SilentNamesrvGroup"));
            producer.setNamesrvAddr(sundial.address()); // the client's defaults: sends time out after 3 s
            producer.start();
            try {
                for (int i = 0; i < 10; i++) {
                    // Topics Sundial never saw, each a route it must ask a name server for.
                    Message m = new Message(Clients.unique("SilentNamesrv"),
                            ("m" + i).getBytes(StandardCharsets.UTF_8));
                    m.setDeliverTimeMs(System.currentTimeMillis() + 60_000);
                    assertEquals(SendStatus.SEND_OK, producer.send(m).getSendStatus(), "send " + i);
                }
            } finally {
                producer.shutdown();
                for (Socket socket : accepted) {
                    socket.close();
                }
            }
        }
    }

    private static SendResult sendPlain(DefaultMQProducer producer, String topic) throws Exception {
        return producer.send(new Message(topic, "plain".getBytes(StandardCharsets.UTF_8)));
    }
}
