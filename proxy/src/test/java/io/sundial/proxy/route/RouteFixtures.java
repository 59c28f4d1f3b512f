package io.sundial.proxy.route;

import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/** Routes as a name server gives them, and a backend that answers with them, for the tests of what uses routes. */
public final class RouteFixtures {
    private RouteFixtures() {
    }

    /** A broker's queues of a topic: as many read as write queues. */
    public static QueueData queues(String broker, int perm, int nums) {
        QueueData q = new QueueData();
        q.setBrokerName(broker);
        q.setPerm(perm);
        q.setReadQueueNums(nums);
        q.setWriteQueueNums(nums);
        return q;
    }

    /** A route of these queues, in the order given, each broker with a master at {@code broker:10911}. */
    public static TopicRouteData route(QueueData... queueDatas) {
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

    /**
     * A remoting client whose name server answers every route request with {@code route}, and whose brokers answer
     * every other request as {@code brokers} says (given the address and the request). Only {@code invoke}.
     */
    public static RemotingClient backend(TopicRouteData route, BiFunction<String, RemotingCommand,
            CompletableFuture<RemotingCommand>> brokers) {
        return (RemotingClient) Proxy.newProxyInstance(RemotingClient.class.getClassLoader(),
                new Class<?>[] {RemotingClient.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("invoke")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    RemotingCommand request = (RemotingCommand) args[1];
                    if (request.getCode() == RequestCode.GET_ROUTEINFO_BY_TOPIC) {
                        RemotingCommand answer = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
                        answer.setBody(route.encode());
                        return CompletableFuture.completedFuture(answer);
                    }
                    return brokers.apply((String) args[0], request);
                });
    }
}
