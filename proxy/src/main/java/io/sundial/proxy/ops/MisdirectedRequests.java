package io.sundial.proxy.ops;

import io.sundial.store.time.Clock;
import org.apache.rocketmq.remoting.protocol.RemotingSerializable;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.heartbeat.ConsumerData;
import org.apache.rocketmq.remoting.protocol.heartbeat.HeartbeatData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Traffic that reached Sundial but belongs to the cluster. Producers give Sundial's address as their name server;
 * a consumer given it too (one shared setting, such as Spring's {@code rocketmq.name-server}) is told Sundial is
 * the broker, heartbeats here, and has its rebalancing and pulls refused, so it consumes nothing while its own
 * log only warns. Each such consumer group and each refused request code is logged once, with the client and its
 * address; the groups show in {@code admin status} and refusals are counted by code, so an operator sees the
 * mistake from Sundial's side. Memory is bounded: at most {@link #MAX_GROUPS} groups and {@link #MAX_CODES} codes
 * are told apart. Thread-safe.
 */
public final class MisdirectedRequests {
    private static final Logger LOG = LoggerFactory.getLogger(MisdirectedRequests.class);
    static final int MAX_GROUPS = 1_000;
    static final int MAX_CODES = 64;
    /** A heartbeat lists a client's groups in a few KiB; a larger body is not read (nor refused). */
    static final int MAX_HEARTBEAT_BYTES = 1 << 20;
    private static final Map<Integer, String> CODE_NAMES = codeNames();

    private final String clusterNamesrv;
    private final SundialMetrics metrics;
    private final Clock clock;
    private final Map<String, ConsumerSeen> consumerGroups = new ConcurrentHashMap<>();
    private final Set<Integer> refusedCodes = ConcurrentHashMap.newKeySet();

    /** A consumer group that heartbeated here: the client of its latest heartbeat and when it came. */
    public record ConsumerSeen(String group, String clientId, String from, long lastSeenMs) {
    }

    /** @param clusterNamesrv the backend name servers, named in the log as where consumers belong */
    public MisdirectedRequests(String clusterNamesrv, SundialMetrics metrics, Clock clock) {
        this.clusterNamesrv = clusterNamesrv;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Reads a heartbeat's body for consumer groups; one that does not decode is ignored, as it is acknowledged. */
    public void heartbeat(byte[] body, String from) {
        if (body == null || body.length == 0 || body.length > MAX_HEARTBEAT_BYTES) {
            return;
        }
        HeartbeatData data;
        try {
            data = RemotingSerializable.decode(body, HeartbeatData.class);
        } catch (RuntimeException e) {
            return;
        }
        if (data == null || data.getConsumerDataSet() == null) {
            return;
        }
        for (ConsumerData consumer : data.getConsumerDataSet()) {
            if (consumer != null && consumer.getGroupName() != null) {
                consumerRegistered(consumer.getGroupName(), String.valueOf(data.getClientID()), from);
            }
        }
    }

    private void consumerRegistered(String group, String clientId, String from) {
        ConsumerSeen seen = new ConsumerSeen(group, clientId, from, clock.wallMillis());
        if (consumerGroups.containsKey(group) || consumerGroups.size() < MAX_GROUPS) {
            if (consumerGroups.put(group, seen) == null) {
                LOG.warn("Consumer group {} (client {}, from {}) registered with Sundial, which serves producers "
                        + "only: its rebalancing and pulls are refused, so it consumes nothing. Give that consumer "
                        + "the cluster's name server ({}), not Sundial's address", group, clientId, from,
                        clusterNamesrv);
            }
        }
    }

    /** A request of a code Sundial does not serve, refused as it arrives. */
    public void refused(int code, String from) {
        if (!refusedCodes.contains(code) && refusedCodes.size() < MAX_CODES && refusedCodes.add(code)) {
            LOG.warn("Refused request code {} ({}) from {}: Sundial serves producers only; consumers and admin "
                    + "tools belong on the cluster's name server ({}). Further refusals of this code are counted "
                    + "in sundial_requests_refused_total, not logged", code, name(code), from, clusterNamesrv);
        }
        metrics.refused(refusedCodes.contains(code) ? Integer.toString(code) : "other");
    }

    /** The consumer groups that heartbeated here since start, most recently seen first. */
    public List<ConsumerSeen> consumerGroups() {
        List<ConsumerSeen> out = new ArrayList<>(consumerGroups.values());
        out.sort(Comparator.comparingLong(ConsumerSeen::lastSeenMs).reversed());
        return out;
    }

    public int consumerGroupCount() {
        return consumerGroups.size();
    }

    /** RocketMQ's name of a request code ({@code PULL_MESSAGE} for 11), or "unknown". */
    public static String name(int code) {
        return CODE_NAMES.getOrDefault(code, "unknown");
    }

    private static Map<Integer, String> codeNames() {
        Map<Integer, String> names = new HashMap<>();
        for (Field f : RequestCode.class.getFields()) {
            if (f.getType() == int.class && Modifier.isStatic(f.getModifiers())) {
                try {
                    names.putIfAbsent(f.getInt(null), f.getName());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Map.copyOf(names);
    }
}
