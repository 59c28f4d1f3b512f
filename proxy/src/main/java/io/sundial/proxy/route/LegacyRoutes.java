package io.sundial.proxy.route;

import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;

/**
 * Routes for producers whose sends name no broker (clients before 4.9.5). Such a producer picks a queue of its
 * route and sends only the queue's id. With several broker groups every group has queues 0, 1, ..., so Sundial
 * could not tell which group was meant, and all of them went to the first. These producers are therefore given
 * one merged broker, {@link #BROKER}, whose write queues are those of every writable group in turn, by broker
 * name: merged queue {@code v} is the group's queue {@code v} minus the queues of the groups before it. A send
 * to merged queue {@code v} is placed on that group and queue ({@link #place}). With fewer than two writable
 * groups the backend's route is given unchanged. Signed requests are left alone: moving a send to another queue
 * id would break its signature. Decision 0037.
 */
public final class LegacyRoutes {
    /** The merged broker's name in the routes legacy producers get. */
    public static final String BROKER = "sundial-merged-brokers";
    /** The first client version that names its broker in every send. */
    private static final int NAMES_BROKER_SINCE = MQVersion.Version.V4_9_5.ordinal();
    private static final String ACCESS_KEY = "AccessKey";

    private LegacyRoutes() {
    }

    /** Whether a route request comes from a producer that names no broker in its sends and does not sign them. */
    public static boolean mergesFor(RemotingCommand routeRequest) {
        return routeRequest.getVersion() < NAMES_BROKER_SINCE && !signed(routeRequest);
    }

    /**
     * Whether a send's queue id is one of a merged route: the merged broker named, or none named by an unsigned
     * legacy producer.
     */
    public static boolean placesFor(RemotingCommand send, String namedBroker) {
        if (BROKER.equals(namedBroker)) {
            return true;
        }
        return (namedBroker == null || namedBroker.isEmpty()) && mergesFor(send);
    }

    /** {@code route} with one broker holding every writable queue, or {@code route} itself (see the class note). */
    public static TopicRouteData merge(TopicRouteData route) {
        List<Group> groups = writableGroups(route);
        if (groups.size() < 2) {
            return route;
        }
        int queues = groups.stream().mapToInt(Group::queues).sum();
        QueueData merged = new QueueData();
        merged.setBrokerName(BROKER);
        merged.setReadQueueNums(queues);
        merged.setWriteQueueNums(queues);
        merged.setPerm(PermName.PERM_READ | PermName.PERM_WRITE);
        merged.setTopicSysFlag(groups.get(0).queueData().getTopicSysFlag());
        BrokerData first = groups.get(0).brokerData();
        HashMap<Long, String> addrs = new HashMap<>();
        addrs.put(MixAll.MASTER_ID, first.getBrokerAddrs().get(MixAll.MASTER_ID));
        TopicRouteData out = route.cloneTopicRouteData();
        out.setQueueDatas(new ArrayList<>(List.of(merged)));
        out.setBrokerDatas(new ArrayList<>(List.of(new BrokerData(first.getCluster(), BROKER, addrs))));
        // Both name the real groups, which the merged route hides.
        out.setOrderTopicConf(null);
        out.setTopicQueueMappingByBroker(null);
        return out;
    }

    /**
     * The group and queue that queue {@code mergedQueueId} of {@code route}'s merged form stands for, or null when
     * {@code route} is not merged (fewer than two writable groups). An id beyond the merged queues (a producer's
     * route older than a change of the groups) wraps around, so the send still lands on a writable queue.
     */
    public static Placement place(TopicRouteData route, int mergedQueueId) {
        List<Group> groups = writableGroups(route);
        if (groups.size() < 2 || mergedQueueId < 0) {
            return null;
        }
        int queues = groups.stream().mapToInt(Group::queues).sum();
        int rest = mergedQueueId % queues;
        for (Group g : groups) {
            if (rest < g.queues()) {
                return new Placement(g.queueData().getBrokerName(), rest);
            }
            rest -= g.queues();
        }
        throw new IllegalStateException("unreachable: " + mergedQueueId + " of " + queues);
    }

    /** A broker group and one of its queues. */
    public record Placement(String brokerName, int queueId) {
    }

    private record Group(QueueData queueData, BrokerData brokerData) {
        int queues() {
            return queueData.getWriteQueueNums();
        }
    }

    /** The groups that take writes and have a master, in broker-name order: the stock client's own order. */
    private static List<Group> writableGroups(TopicRouteData route) {
        List<Group> groups = new ArrayList<>();
        for (QueueData q : route.getQueueDatas()) {
            if (!PermName.isWriteable(q.getPerm()) || q.getWriteQueueNums() <= 0) {
                continue;
            }
            for (BrokerData b : route.getBrokerDatas()) {
                if (b.getBrokerName().equals(q.getBrokerName()) && b.getBrokerAddrs() != null
                        && b.getBrokerAddrs().containsKey(MixAll.MASTER_ID)) {
                    groups.add(new Group(q, b));
                    break;
                }
            }
        }
        groups.sort(Comparator.comparing(g -> g.queueData().getBrokerName()));
        return groups;
    }

    private static boolean signed(RemotingCommand request) {
        return request.getExtFields() != null && request.getExtFields().containsKey(ACCESS_KEY);
    }
}
