package io.sundial.proxy.route;

import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.sundial.proxy.route.RouteFixtures.queues;
import static io.sundial.proxy.route.RouteFixtures.route;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RouteRewriterTest {

    @Test
    void shouldGiveProducersSundialsAddressAndLeaveTheCachedRouteAsTheBackendSaidIt() {
        TopicRouteData backend = route(queues("broker-a", 6, 4), queues("broker-b", 6, 2));
        TopicRouteData seen = new RouteRewriter(() -> "10.0.0.5:9877").rewrite(backend);

        assertEquals(Map.of(0L, "10.0.0.5:9877"), seen.getBrokerDatas().get(0).getBrokerAddrs());
        assertEquals(Map.of(0L, "10.0.0.5:9877"), seen.getBrokerDatas().get(1).getBrokerAddrs());
        assertEquals("broker-b", seen.getBrokerDatas().get(1).getBrokerName());
        // Sundial re-reads its masters from the cached route: a rewrite that leaked into it would make Sundial
        // re-publish to itself.
        assertEquals(Map.of(0L, "broker-a:10911"), backend.getBrokerDatas().get(0).getBrokerAddrs());
        assertEquals(Map.of(0L, "broker-b:10911"), backend.getBrokerDatas().get(1).getBrokerAddrs());
    }
}
