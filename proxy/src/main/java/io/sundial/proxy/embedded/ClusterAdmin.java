package io.sundial.proxy.embedded;

import java.io.UnsupportedEncodingException;
import java.time.Duration;
import java.util.Properties;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

/**
 * Talks to the embedded name server and broker from this JVM with the stock client's remoting API
 * ({@link MQClientAPIImpl}), without the broker's or the admin tools' jars: topics, and whether the name server
 * routes the broker.
 *
 * <p>Registration is checked because "boot success" does not mean clients can find the broker: the broker
 * registers with the name server at start only if its client has already connected to the name server, and
 * otherwise not before its periodic registration 10 s later. So a broker is ready once the name server lists it;
 * while it does not, this class nudges it with a config update that makes it register again ({@code brokerPermission}
 * set to its current value).
 *
 * <p>A topic create or update returns once the name server routes the topic with the asked queue counts and
 * permission, so a client started afterwards sees it; clients that already cached the route see the change on their
 * next route poll (30 s by default). This client only calls out: it registers no producer or consumer, so the
 * broker never calls back. Thread-safe, as {@link MQClientAPIImpl} is.
 */
final class ClusterAdmin implements AutoCloseable {
    private static final long CALL_TIMEOUT_MILLIS = 5_000;
    private static final long POLL_MILLIS = 50;
    private static final long NUDGE_AFTER_MILLIS = 500;
    private static final long NUDGE_EVERY_MILLIS = 2_000;
    private static final Duration ROUTE_TIMEOUT = Duration.ofSeconds(15);

    private final MQClientAPIImpl api;
    private final String namesrvAddr;

    ClusterAdmin(String namesrvAddr) {
        this.namesrvAddr = namesrvAddr;
        ClientConfig clientConfig = new ClientConfig();
        clientConfig.setNamesrvAddr(namesrvAddr);
        clientConfig.setInstanceName("sundial-embedded-admin-" + System.nanoTime());
        this.api = new MQClientAPIImpl(new NettyClientConfig(), null, null, clientConfig);
        api.updateNameServerAddressList(namesrvAddr);
        api.start();
    }

    /**
     * Creates {@code topic} on the broker, or updates its queue counts and permission, then waits for the name
     * server to route it that way.
     *
     * @param perm RocketMQ permission bits: 6 read and write, 4 read only, 2 write only
     */
    void createTopic(String brokerAddr, String brokerName, String topic, int queues, int perm) {
        TopicConfig topicConfig = new TopicConfig(topic, queues, queues, perm);
        try {
            api.createTopic(brokerAddr, TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, topicConfig, CALL_TIMEOUT_MILLIS);
        } catch (RemotingException | MQClientException | MQBrokerException e) {
            throw new EmbeddedClusterException("could not create topic " + topic + " (" + queues + " queues, perm "
                + perm + ") on broker " + brokerAddr, e);
        } catch (InterruptedException e) {
            throw interrupted("creating topic " + topic, e);
        }
        long deadline = System.nanoTime() + ROUTE_TIMEOUT.toNanos();
        String lastSeen = "no route";
        while (true) {
            QueueData queueData = queueData(topic, brokerName);
            if (queueData != null) {
                if (queueData.getPerm() == perm && queueData.getReadQueueNums() == queues
                    && queueData.getWriteQueueNums() == queues) {
                    return;
                }
                lastSeen = queueData.toString();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new EmbeddedClusterException("name server " + namesrvAddr + " does not route " + topic
                    + " with " + queues + " queues and perm " + perm + " on " + brokerName + " after "
                    + ROUTE_TIMEOUT.toSeconds() + " s; last seen: " + lastSeen);
            }
            pause("the route of " + topic);
        }
    }

    /** Deletes {@code topic} from the broker, then from the name server. */
    void deleteTopic(String brokerAddr, String topic) {
        try {
            api.deleteTopicInBroker(brokerAddr, topic, CALL_TIMEOUT_MILLIS);
            api.deleteTopicInNameServer(namesrvAddr, topic, CALL_TIMEOUT_MILLIS);
        } catch (RemotingException | MQClientException e) {
            throw new EmbeddedClusterException("could not delete topic " + topic + " on broker " + brokerAddr
                + " and name server " + namesrvAddr, e);
        } catch (InterruptedException e) {
            throw interrupted("deleting topic " + topic, e);
        }
    }

    /**
     * Waits until the name server lists {@code brokerAddr} as the master of {@code brokerName}, nudging the broker
     * to register again while it does not.
     *
     * @param brokerPermission the broker's current {@code brokerPermission}, sent back unchanged as the nudge
     */
    void awaitRegistered(String brokerName, String brokerAddr, String brokerPermission, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextNudge = start + Duration.ofMillis(NUDGE_AFTER_MILLIS).toNanos();
        while (!isRegistered(brokerName, brokerAddr)) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                throw new EmbeddedClusterException("broker " + brokerName + " at " + brokerAddr
                    + " is not registered with name server " + namesrvAddr + " after " + timeout.toMillis() + " ms");
            }
            if (now - nextNudge >= 0) {
                nudge(brokerAddr, brokerPermission);
                nextNudge = now + Duration.ofMillis(NUDGE_EVERY_MILLIS).toNanos();
            }
            pause("broker " + brokerName + " to register");
        }
    }

    /** Waits until the name server no longer lists {@code brokerAddr}, after the broker stopped. */
    void awaitUnregistered(String brokerName, String brokerAddr, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRegistered(brokerName, brokerAddr)) {
            if (System.nanoTime() - deadline >= 0) {
                throw new EmbeddedClusterException("name server " + namesrvAddr + " still lists broker " + brokerName
                    + " at " + brokerAddr + " " + timeout.toMillis() + " ms after it stopped");
            }
            pause("broker " + brokerName + " to unregister");
        }
    }

    @Override
    public void close() {
        api.shutdown();
    }

    boolean isRegistered(String brokerName, String brokerAddr) {
        ClusterInfo info;
        try {
            info = api.getBrokerClusterInfo(CALL_TIMEOUT_MILLIS);
        } catch (RemotingException | MQBrokerException e) {
            throw new EmbeddedClusterException("could not read the cluster info from " + namesrvAddr, e);
        } catch (InterruptedException e) {
            throw interrupted("reading the cluster info", e);
        }
        BrokerData brokerData = info.getBrokerAddrTable() == null ? null : info.getBrokerAddrTable().get(brokerName);
        return brokerData != null && brokerAddr.equals(brokerData.getBrokerAddrs().get(0L));
    }

    /** Sends the broker its own {@code brokerPermission}; the broker answers by registering with the name server. */
    private void nudge(String brokerAddr, String brokerPermission) {
        Properties properties = new Properties();
        properties.setProperty("brokerPermission", brokerPermission);
        try {
            api.updateBrokerConfig(brokerAddr, properties, CALL_TIMEOUT_MILLIS);
        } catch (RemotingException | MQBrokerException | MQClientException | UnsupportedEncodingException e) {
            throw new EmbeddedClusterException("could not ask broker " + brokerAddr + " to register again", e);
        } catch (InterruptedException e) {
            throw interrupted("asking broker " + brokerAddr + " to register again", e);
        }
    }

    /** The queue data of {@code topic} on {@code brokerName} in the name server's route, or null if none. */
    private QueueData queueData(String topic, String brokerName) {
        try {
            TopicRouteData route = api.getTopicRouteInfoFromNameServer(topic, CALL_TIMEOUT_MILLIS, false);
            for (QueueData queueData : route.getQueueDatas()) {
                if (queueData.getBrokerName().equals(brokerName)) {
                    return queueData;
                }
            }
            return null;
        } catch (MQClientException e) {
            if (e.getResponseCode() == ResponseCode.TOPIC_NOT_EXIST) {
                return null;
            }
            throw new EmbeddedClusterException("could not read the route of " + topic + " from " + namesrvAddr, e);
        } catch (RemotingException e) {
            throw new EmbeddedClusterException("could not read the route of " + topic + " from " + namesrvAddr, e);
        } catch (InterruptedException e) {
            throw interrupted("reading the route of " + topic, e);
        }
    }

    private static void pause(String what) {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            throw interrupted("waiting for " + what, e);
        }
    }

    private static EmbeddedClusterException interrupted(String what, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new EmbeddedClusterException("interrupted " + what, e);
    }
}
