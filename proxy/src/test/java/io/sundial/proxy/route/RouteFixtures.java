package io.sundial.proxy.route;

import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Routes as a name server gives them, for the route tests. */
final class RouteFixtures {
    private RouteFixtures() {
    }

    /** A broker's queues of a topic: as many read as write queues. */
    static QueueData queues(String broker, int perm, int nums) {
        QueueData q = new QueueData();
        q.setBrokerName(broker);
        q.setPerm(perm);
        q.setReadQueueNums(nums);
        q.setWriteQueueNums(nums);
        return q;
    }

    /** A route of these queues, in the order given, each broker with a master at {@code broker:10911}. */
    static TopicRouteData route(QueueData... queueDatas) {
        TopicRouteData route = new TopicRouteData();
        route.setQueueDatas(new ArrayList<>(List.of(queueDatas)));
        List<BrokerData> brokers = new ArrayList<>();
        for (QueueData q : queueDatas) {
            String addr = q.getBrokerName() + ":10911";
            brokers.add(new BrokerData("c", q.getBrokerName(), new HashMap<>(Map.of(0L, addr))));
        }
        route.setBrokerDatas(brokers);
        return route;
    }
}
