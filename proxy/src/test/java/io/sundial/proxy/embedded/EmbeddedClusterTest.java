package io.sundial.proxy.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sundial.proxy.net.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real name server and broker on free ports, driven by the stock 5.5.0 client: send and consume, a read-only
 * topic, a graceful broker restart and a crash on the same store, a frozen broker, and a close that leaves no process
 * and no port.
 * The steps share one cluster (a start costs about 9 s on two cores) and run in order.
 */
@Tag("slow")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedClusterTest {
    private static final String TOPIC = "EmbeddedClusterTest";
    private static final long RECEIVE_SECONDS = 30;

    /** Kept when a test fails: the servers' logs are under {@code logs/}. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dataDir;

    private static EmbeddedCluster cluster;
    private static final List<AutoCloseable> clients = new ArrayList<>();
    private static int clientCounter;

    @BeforeAll
    static void startCluster() {
        cluster = EmbeddedCluster.start(EmbeddedClusterConfig.builder(dataDir)
            .brokerProperty("timerPrecisionMs", 100)
            .build());
        cluster.createTopic(TOPIC, 2, EmbeddedCluster.PERM_READ_WRITE);
    }

    @AfterAll
    static void closeEverything() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void shouldWriteEverythingUnderTheDataDirectory() throws Exception {
        assertTrue(cluster.namesrvAddr().startsWith("127.0.0.1:"));
        assertEquals("127.0.0.1:" + cluster.brokerPort(), cluster.brokerAddr());
        assertTrue(Files.isRegularFile(dataDir.resolve("conf/broker.conf")));
        assertTrue(Files.isRegularFile(dataDir.resolve("broker/broker.conf")));
        assertTrue(Files.isDirectory(dataDir.resolve("store/commitlog")));
        assertTrue(Files.isRegularFile(cluster.logDir().resolve("broker.log")), "broker logs to the data dir");
        assertTrue(Files.isRegularFile(cluster.logDir().resolve("namesrv.log")), "name server logs to the data dir");
        assertNotEquals(cluster.namesrvPid(), cluster.brokerPid());
        try (var tmp = Files.list(dataDir.resolve("tmp"))) {
            assertTrue(tmp.anyMatch(p -> p.getFileName().toString().startsWith("keyutil_")),
                    "the servers' self-signed certificates stay in the data dir, not in the machine's /tmp");
        }
    }

    @Test
    @Order(2)
    void shouldDeliverAMessageFromStockProducerToStockConsumer() throws Exception {
        DefaultMQProducer producer = producer();
        SendResult result = producer.send(message("k-1", "tag-a", "hello"));
        assertEquals(SendStatus.SEND_OK, result.getSendStatus());

        Map<String, MessageExt> received = consumeFromStart(1);
        MessageExt message = received.get("k-1");
        assertEquals("hello", new String(message.getBody(), StandardCharsets.UTF_8));
        assertEquals("tag-a", message.getTags());
        assertEquals("k-1", message.getKeys());
        assertEquals(result.getMsgId(), message.getMsgId());
    }

    @Test
    @Order(3)
    void shouldRefuseSendsToAReadOnlyTopicUntilItIsWritableAgain() throws Exception {
        cluster.createTopic(TOPIC, 2, EmbeddedCluster.PERM_READ_ONLY);
        Exception refused = assertThrows(Exception.class, () -> producer().send(message("k-ro", "tag-a", "no")));
        assertTrue(String.valueOf(refused.getMessage()).contains("route"), refused::toString);

        cluster.createTopic(TOPIC, 2, EmbeddedCluster.PERM_READ_WRITE);
        assertEquals(SendStatus.SEND_OK, producer().send(message("k-rw", "tag-a", "yes")).getSendStatus());
    }

    @Test
    @Order(4)
    void shouldKeepTheStoreAcrossABrokerRestart() throws Exception {
        long oldPid = cluster.brokerPid();
        producer().send(message("k-before", "tag-b", "before restart"));

        cluster.stopBroker();
        assertFalse(cluster.isBrokerRunning());
        assertFalse(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false));
        cluster.startBroker();
        assertNotEquals(oldPid, cluster.brokerPid());

        producer().send(message("k-after", "tag-b", "after restart"));
        Map<String, MessageExt> received = consumeFromStart(4);
        assertTrue(received.keySet().containsAll(List.of("k-1", "k-rw", "k-before", "k-after")),
            () -> "received " + received.keySet());
        assertEquals("before restart", new String(received.get("k-before").getBody(), StandardCharsets.UTF_8));
    }

    @Test
    @Order(5)
    void shouldRecoverWhatWasSentBeforeTheBrokerWasKilled() throws Exception {
        producer().send(message("k-crash", "tag-c", "before the crash"));

        long oldPid = cluster.brokerPid();
        cluster.killBroker();
        assertFalse(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false));
        cluster.startBroker();

        Map<String, MessageExt> received = consumeFromStart(5);
        assertTrue(received.containsKey("k-crash"), () -> "received " + received.keySet());
    }

    @Test
    @Order(6)
    void shouldTimeOutSendsWhileTheBrokerIsSuspended() throws Exception {
        DefaultMQProducer producer = producer();
        producer.send(message("k-warm", "tag-d", "warm"));
        producer.setSendMsgTimeout(1_500);
        producer.setRetryTimesWhenSendFailed(0);

        cluster.suspendBroker();
        assertTrue(cluster.isBrokerSuspended());
        assertThrows(Exception.class, () -> producer.send(message("k-frozen", "tag-d", "frozen")));

        cluster.resumeBroker();
        assertFalse(cluster.isBrokerSuspended());
        producer.setSendMsgTimeout(10_000);
        assertEquals(SendStatus.SEND_OK, producer.send(message("k-thawed", "tag-d", "thawed")).getSendStatus());
    }

    @Test
    @Order(7)
    void shouldStopExactlyWhatItStartedAndFreeItsPorts() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        clients.clear();
        long namesrvPid = cluster.namesrvPid();
        long brokerPid = cluster.brokerPid();
        List<Integer> ports = cluster.ports();

        cluster.close();
        cluster.close();

        assertFalse(ProcessHandle.of(namesrvPid).map(ProcessHandle::isAlive).orElse(false), "name server exited");
        assertFalse(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false), "broker exited");
        for (int port : ports) {
            assertTrue(FreePorts.isFree(port, true), "port " + port + " is free again");
        }
        assertThrows(IllegalStateException.class, cluster::brokerPid);
        assertThrows(IllegalStateException.class, cluster::startBroker);
    }

    private static DefaultMQProducer producer() throws Exception {
        DefaultMQProducer producer = new DefaultMQProducer("embedded-test-producer");
        producer.setNamesrvAddr(cluster.namesrvAddr());
        producer.setInstanceName("producer-" + (++clientCounter));
        producer.setSendMsgTimeout(10_000);
        producer.start();
        clients.add(producer::shutdown);
        return producer;
    }

    /** Starts a new consumer group from the first offset and collects messages by key until {@code count} arrive. */
    private static Map<String, MessageExt> consumeFromStart(int count) throws Exception {
        BlockingQueue<MessageExt> queue = new LinkedBlockingQueue<>();
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer("embedded-test-group-" + (++clientCounter));
        consumer.setNamesrvAddr(cluster.namesrvAddr());
        consumer.setInstanceName("consumer-" + clientCounter);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        // A consumer whose first heartbeat raced its rebalance is refused pulls ("the subscription is not latest")
        // until its next heartbeat: every 30 s by default, longer than this test waits. Every second here.
        consumer.setHeartbeatBrokerInterval(1000);
        consumer.subscribe(TOPIC, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            queue.addAll(messages);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        try {
            Map<String, MessageExt> byKey = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RECEIVE_SECONDS);
            while (byKey.size() < count) {
                MessageExt message = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (message == null) {
                    throw new AssertionError("received " + byKey.keySet() + " of " + count + " messages in "
                        + RECEIVE_SECONDS + " s");
                }
                byKey.put(message.getKeys(), message);
            }
            return byKey;
        } finally {
            consumer.shutdown();
        }
    }

    private static Message message(String key, String tag, String body) {
        return new Message(TOPIC, tag, key, body.getBytes(StandardCharsets.UTF_8));
    }
}
