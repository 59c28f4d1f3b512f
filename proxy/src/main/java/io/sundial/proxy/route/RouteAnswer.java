package io.sundial.proxy.route;

import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

import java.util.ArrayList;
import java.util.List;

/**
 * What the backend name server answered for a topic: a route, or its error code and remark, passed on to
 * producers unchanged so that they fall back as they would against the real name server.
 */
public record RouteAnswer(int code, String remark, TopicRouteData route) {
    public boolean found() {
        return code == ResponseCode.SUCCESS && route != null;
    }

    /**
     * Read as the route of a default topic ({@code TBW102}): whether a broker in it creates a missing topic on
     * its first send, which it shows with the inherit permission (only brokers with {@code autoCreateTopicEnable}
     * register the default topic so).
     */
    public boolean autoCreates() {
        return found() && route.getQueueDatas().stream().anyMatch(q -> PermName.isInherited(q.getPerm()));
    }

    /**
     * Read as the route of a default topic: the route a topic that does not exist yet gets once a send creates
     * it, as the stock client reckons it — the brokers that auto-create, each with at most {@code queueNums}
     * queues. Null unless {@link #autoCreates()}.
     */
    public TopicRouteData autoCreatedRoute(int queueNums) {
        if (!autoCreates()) {
            return null;
        }
        List<QueueData> queues = new ArrayList<>();
        for (QueueData q : route.getQueueDatas()) {
            if (PermName.isInherited(q.getPerm())) {
                QueueData created = new QueueData();
                created.setBrokerName(q.getBrokerName());
                created.setPerm(PermName.PERM_READ | PermName.PERM_WRITE);
                created.setReadQueueNums(Math.min(queueNums, q.getReadQueueNums()));
                created.setWriteQueueNums(Math.min(queueNums, q.getWriteQueueNums()));
                created.setTopicSysFlag(q.getTopicSysFlag());
                queues.add(created);
            }
        }
        TopicRouteData created = route.cloneTopicRouteData();
        created.setQueueDatas(queues);
        return created;
    }
}
