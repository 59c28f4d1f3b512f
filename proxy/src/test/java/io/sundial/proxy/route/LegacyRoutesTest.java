package io.sundial.proxy.route;

import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.junit.jupiter.api.Test;

import java.util.HashMap;

import static io.sundial.proxy.route.RouteFixtures.queues;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LegacyRoutesTest {
    private static final int RW = PermName.PERM_READ | PermName.PERM_WRITE;

    /** The route the name server gives, brokers in the order given (not sorted), with an order-topic config. */
    private static TopicRouteData route(QueueData... queueDatas) {
        TopicRouteData route = RouteFixtures.route(queueDatas);
        route.setOrderTopicConf("b:4;a:2");
        return route;
    }

    @Test
    void shouldMergeTheWritableGroupsIntoOneBrokerWithAllTheirQueues() {
        TopicRouteData backend = route(queues("b", RW, 4), queues("a", RW, 2), queues("r", PermName.PERM_READ, 8));

        TopicRouteData merged = LegacyRoutes.merge(backend);

        assertEquals(1, merged.getQueueDatas().size());
        QueueData q = merged.getQueueDatas().get(0);
        assertEquals(LegacyRoutes.BROKER, q.getBrokerName());
        assertEquals(6, q.getWriteQueueNums(), "a's 2 and b's 4; the read-only group takes no sends");
        assertEquals(RW, q.getPerm());
        assertEquals(1, merged.getBrokerDatas().size());
        assertEquals(LegacyRoutes.BROKER, merged.getBrokerDatas().get(0).getBrokerName());
        assertEquals("a:10911", merged.getBrokerDatas().get(0).getBrokerAddrs().get(0L),
                "a master address, which Sundial's replaces");
        assertNull(merged.getOrderTopicConf(), "it names the hidden groups");
        assertEquals(3, backend.getQueueDatas().size(), "the backend's route is unchanged");
    }

    @Test
    void shouldPlaceEachMergedQueueOnItsGroupInBrokerNameOrder() {
        TopicRouteData backend = route(queues("b", RW, 4), queues("a", RW, 2));

        assertEquals(new LegacyRoutes.Placement("a", 0), LegacyRoutes.place(backend, 0));
        assertEquals(new LegacyRoutes.Placement("a", 1), LegacyRoutes.place(backend, 1));
        assertEquals(new LegacyRoutes.Placement("b", 0), LegacyRoutes.place(backend, 2));
        assertEquals(new LegacyRoutes.Placement("b", 3), LegacyRoutes.place(backend, 5));
        assertEquals(new LegacyRoutes.Placement("a", 0), LegacyRoutes.place(backend, 6),
                "an id of an older, larger route wraps around");
        assertNull(LegacyRoutes.place(backend, -1));
    }

    @Test
    void shouldLeaveARouteWithOneWritableGroupAsItIs() {
        TopicRouteData one = route(queues("a", RW, 4), queues("r", PermName.PERM_READ, 4));

        assertSame(one, LegacyRoutes.merge(one));
        assertNull(LegacyRoutes.place(one, 1), "its queue ids are the group's own");
    }

    @Test
    void shouldMergeForUnsignedClientsBefore495AndPlaceSendsNamingNoBrokerOrTheMergedOne() {
        RemotingCommand old = request(MQVersion.Version.V4_9_4.ordinal(), false);
        RemotingCommand current = request(MQVersion.Version.V4_9_5.ordinal(), false);
        RemotingCommand oldSigned = request(MQVersion.Version.V4_9_4.ordinal(), true);

        assertTrue(LegacyRoutes.mergesFor(old));
        assertFalse(LegacyRoutes.mergesFor(current));
        assertFalse(LegacyRoutes.mergesFor(oldSigned), "moving a signed send to another queue breaks its signature");
        assertTrue(LegacyRoutes.placesFor(old, null));
        assertTrue(LegacyRoutes.placesFor(old, ""));
        assertFalse(LegacyRoutes.placesFor(old, "a"));
        assertFalse(LegacyRoutes.placesFor(current, null));
        assertFalse(LegacyRoutes.placesFor(oldSigned, null));
        assertTrue(LegacyRoutes.placesFor(current, LegacyRoutes.BROKER), "whoever names the merged broker");
    }

    private static RemotingCommand request(int version, boolean signed) {
        RemotingCommand r = RemotingCommand.createRequestCommand(105, null);
        r.setVersion(version);
        HashMap<String, String> fields = new HashMap<>();
        if (signed) {
            fields.put("AccessKey", "ak");
            fields.put("Signature", "sig");
        }
        r.setExtFields(fields);
        return r;
    }
}
