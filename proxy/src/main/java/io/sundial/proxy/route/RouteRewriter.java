package io.sundial.proxy.route;

import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

import java.util.HashMap;
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

    public TopicRouteData rewrite(TopicRouteData backend) {
        TopicRouteData out = backend.cloneTopicRouteData();
        String address = advertisedAddress.get();
        for (BrokerData b : out.getBrokerDatas()) {
            HashMap<Long, String> addrs = new HashMap<>();
            for (Map.Entry<Long, String> e : b.getBrokerAddrs().entrySet()) {
                addrs.put(e.getKey(), address);
            }
            b.setBrokerAddrs(addrs);
        }
        out.setFilterServerTable(new HashMap<>());
        return out;
    }
}
