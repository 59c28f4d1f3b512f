package io.sundial.compat.timed;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.proxy.embedded.EmbeddedClusterConfig;
import io.sundial.proxy.net.FreePorts;

import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against a cluster that does not auto-create topics: a timed send to a topic deleted after the producer cached
 * its route is refused with TOPIC_NOT_EXIST at once, and a timer accepted before the deletion is parked when it
 * falls due (kept, never dropped); and so when the first of Sundial's name servers is down. Its own cluster, since
 * the shared one auto-creates topics.
 */
@Tag("slow")
class NoAutoCreateTest {
    @TempDir
    Path dir;

    @Test
    void shouldRefuseTimedSendsToADeletedTopicAndParkTheTimersAlreadyAccepted() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(EmbeddedClusterConfig.builder(dir.resolve("rmq"))
                .brokerProperty("autoCreateTopicEnable", false).killOnClose(true).build())) {
            refuseAndPark(cluster, cluster.namesrvAddr(), "sundial");
            // The first of two name servers down: the other one's answers decide, so a missing topic is still
            // refused and parked rather than taken for an outage (accepted, then retried for ever).
            String dead = "127.0.0.1:" + FreePorts.pickSingle(Set.copyOf(cluster.ports()));
            refuseAndPark(cluster, dead + ";" + cluster.namesrvAddr(), "sundial-first-namesrv-down");
        }
    }

    private void refuseAndPark(EmbeddedCluster cluster, String namesrvAddrs, String storeName) throws Exception {
        try (Sundial sundial = SundialCluster.startSundial(namesrvAddrs, dir.resolve(storeName), 0,
                ProxyConfig.ROUTE_REFRESH_MS, "1000", "flushDiskType", "ASYNC_FLUSH")) {
            String topic = Clients.unique("Deleted");
            cluster.createTopic(topic, 1, EmbeddedCluster.PERM_READ_WRITE);
            DefaultMQProducer producer = Clients.producer(sundial.address());
            try {
                Message early = new Message(topic, "accepted-before-deletion".getBytes());
                early.setDelayTimeSec(4);
                producer.send(early); // the producer now has the topic's route cached
                cluster.deleteTopic(topic);
                Thread.sleep(2_500); // Sundial's own route cache refreshes every second here

                Message late = new Message(topic, "after-deletion".getBytes());
                late.setDelayTimeSec(4);
                // The 5.x client retries code 17 (retryResponseCodes), then wraps the broker's answer.
                MQClientException thrown = assertThrows(MQClientException.class, () -> producer.send(late));
                assertTrue(thrown.getCause() instanceof MQBrokerException, String.valueOf(thrown.getCause()));
                MQBrokerException e = (MQBrokerException) thrown.getCause();
                assertEquals(ResponseCode.TOPIC_NOT_EXIST, e.getResponseCode(), e.getErrorMessage());
                assertTrue(e.getErrorMessage().contains(topic), e.getErrorMessage());

                long deadline = System.currentTimeMillis() + 30_000;
                while (sundial.store().parkedCount() == 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(200);
                }
                assertEquals(1, sundial.store().parkedCount(), "the accepted timer is parked, not dropped");
                assertEquals(1, sundial.store().pendingCount(topic), "and still counted as pending");
                assertTrue(sundial.store().parked(topic, 10).get(0).reason().contains(topic));
            } finally {
                producer.shutdown();
            }
        }
    }
}
