package io.sundial.proxy.route;

import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The route a producer sees: the backend's broker names and queue data, with every broker address replaced by
 * Sundial's own, so the producer's sends come to Sundial while naming the broker and queue it chose (as
 * rocketmq-proxy's {@code ProxyTopicRouteData} does). Filter servers are dropped: Sundial serves producers only.
 */
public final class RouteRewriter {
    private final Supplier<String> advertisedAddress;

    /** {@code advertisedAddress} is asked at each rewrite: the port may be known only once the server is bound. */
    public RouteRewriter(Supplier<String> advertisedAddress) {
        this.advertisedAddress = advertisedAddress;
    }

    /** A copy of {@code backend} so rewritten; {@code backend} itself, the cached route, is left as it is. */
    public TopicRouteData rewrite(TopicRouteData backend) {
        // cloneTopicRouteData copies the lists but shares their BrokerData: each is copied before its change.
        TopicRouteData out = backend.cloneTopicRouteData();
        String address = advertisedAddress.get();
        List<BrokerData> brokers = new ArrayList<>(out.getBrokerDatas().size());
        for (BrokerData b : out.getBrokerDatas()) {
            HashMap<Long, String> addrs = new HashMap<>();
            for (Map.Entry<Long, String> e : b.getBrokerAddrs().entrySet()) {
                addrs.put(e.getKey(), address);
            }
            BrokerData copy = new BrokerData(b);
            copy.setBrokerAddrs(addrs);
            brokers.add(copy);
        }
        out.setBrokerDatas(brokers);
        out.setFilterServerTable(new HashMap<>());
        return out;
    }
}
