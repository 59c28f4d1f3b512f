package io.sundial.compat.acl;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.proxy.embedded.EmbeddedClusterConfig;
import io.sundial.store.index.ParkedTimer;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against a cluster whose broker authenticates every request (RocketMQ 5.x ACL 2.0): producers sign with the
 * stock client's {@code AclClientRPCHook}. A plain send passes through with the producer's own signature, so the
 * broker still judges the producer (a wrong secret is refused, not laundered by Sundial); a timed send is
 * re-published signed with Sundial's {@code backendAccessKey}/{@code backendSecretKey}, and parked, not lost,
 * without them. Its own cluster, since the shared one authenticates nothing.
 */
@Tag("slow")
class AuthenticatedClusterTest {
    private static final String USER = "sundial-test";
    private static final String PASSWORD = "sundial-test-secret";

    @TempDir
    static Path dir;
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = EmbeddedCluster.start(EmbeddedClusterConfig.builder(dir.resolve("rmq"))
                .brokerProperty("autoCreateTopicEnable", true)
                .brokerProperty("authenticationEnabled", true)
                .brokerProperty("authenticationProvider",
                        "org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider")
                .brokerProperty("authenticationMetadataProvider",
                        "org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider")
                .brokerProperty("initAuthenticationUser",
                        "{\"username\":\"" + USER + "\",\"password\":\"" + PASSWORD + "\"}")
                .brokerProperty("innerClientAuthenticationCredentials",
                        "{\"accessKey\":\"" + USER + "\",\"secretKey\":\"" + PASSWORD + "\"}")
                .killOnClose(true).build());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldDeliverSignedSendsAndLeaveTheProducersSignatureToTheBroker() throws Exception {
        try (Sundial sundial = startSundial("signed", true)) {
            String topic = Clients.unique("Signed");
            Map<String, Long> dueById;
            DefaultMQProducer producer = Clients.producer(sundial.address(), signer(PASSWORD));
            try {
                dueById = Clients.sendPlainAndTimed(producer, topic, 2_000);
            } finally {
                producer.shutdown();
            }

            try (Clients.Received received = consume(topic)) {
                List<Clients.Arrival> arrivals = received.await(2, Duration.ofSeconds(30));
                assertEquals(2, arrivals.size(), "both delivered; parked timers: " + sundial.store().parkedCount());
                for (Clients.Arrival a : arrivals) {
                    MessageExt m = a.message();
                    Long due = dueById.get(m.getMsgId());
                    assertNotNull(due, "an unknown message " + m.getMsgId());
                    assertTrue(m.getStoreTimestamp() >= due, "stored before it was due");
                    assertEquals(m.getTags() + "-key", m.getKeys());
                }
                assertEquals(List.of(), received.drain(Duration.ofSeconds(1)), "no second copy");
            }

            DefaultMQProducer impostor = Clients.producer(sundial.address(), signer("not-the-password"));
            try {
                Message m = new Message(topic, "forged".getBytes());
                MQClientException e = assertThrows(MQClientException.class, () -> impostor.send(m));
                assertTrue(e.getCause() instanceof MQBrokerException, String.valueOf(e.getCause()));
                MQBrokerException refused = (MQBrokerException) e.getCause();
                assertEquals(ResponseCode.NO_PERMISSION, refused.getResponseCode(), refused.getErrorMessage());
                assertTrue(refused.getErrorMessage().contains("signature"), refused.getErrorMessage());
            } finally {
                impostor.shutdown();
            }
        }
    }

    /**
     * The operator forgot Sundial's credentials: the broker refuses its re-publish, and the timer is parked with
     * the broker's reason, not dropped. Restarted with them and released, it is delivered once.
     */
    @Test
    void shouldParkTimersRefusedForWantOfCredentialsAndDeliverThemOnceReleased() throws Exception {
        String topic = Clients.unique("Unsigned");
        String msgId;
        long due;
        try (Sundial unsigned = startSundial("unsigned", false)) {
            DefaultMQProducer producer = Clients.producer(unsigned.address(), signer(PASSWORD));
            try {
                Message m = new Message(topic, "reminder".getBytes());
                due = System.currentTimeMillis() + 500;
                m.setDeliverTimeMs(due);
                msgId = producer.send(m).getMsgId();
            } finally {
                producer.shutdown();
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (unsigned.store().parkedCount() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            List<ParkedTimer> parked = unsigned.store().parked(topic, 10);
            assertEquals(1, parked.size(), "parked, not dropped");
            assertTrue(parked.get(0).reason().contains("NO_PERMISSION"), parked.get(0).reason());
        }

        try (Sundial signed = startSundial("unsigned", true)) {
            assertEquals(1, signed.store().parkedCount(), "still parked after the restart");
            assertEquals(1, signed.store().release(topic, -1).size());
            long deadline = System.currentTimeMillis() + 30_000;
            while (signed.store().pendingCount(topic) > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(0, signed.store().parkedCount(), "not parked again");
        }
        // Started once the re-publish created the topic: a consumer of a topic that does not exist yet looks for
        // it again only at its next route poll, 30 s later.
        try (Clients.Received received = consume(topic)) {
            List<Clients.Arrival> arrivals = received.await(1, Duration.ofSeconds(30));
            assertEquals(1, arrivals.size(), "delivered once released");
            assertEquals(msgId, arrivals.get(0).message().getMsgId());
            assertTrue(arrivals.get(0).message().getStoreTimestamp() >= due, "stored before it was due");
            assertEquals(List.of(), received.drain(Duration.ofSeconds(1)), "no second copy");
        }
    }

    /** A Sundial in front of the cluster with its store in {@code storeName}, signing re-publishes if asked. */
    private static Sundial startSundial(String storeName, boolean withCredentials) throws Exception {
        List<String> settings = new ArrayList<>(List.of("flushDiskType", "ASYNC_FLUSH"));
        if (withCredentials) {
            settings.addAll(List.of(ProxyConfig.BACKEND_ACCESS_KEY, USER, ProxyConfig.BACKEND_SECRET_KEY, PASSWORD));
        }
        return SundialCluster.startSundial(cluster.namesrvAddr(), dir.resolve(storeName), 0,
                settings.toArray(String[]::new));
    }

    private static Clients.Received consume(String topic) throws Exception {
        return Clients.consume(cluster.namesrvAddr(), topic, false, signer(PASSWORD));
    }

    private static RPCHook signer(String password) {
        return new AclClientRPCHook(new SessionCredentials(USER, password));
    }
}
