package io.sundial.proxy.route;

import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.junit.jupiter.api.Test;

import static io.sundial.proxy.route.RouteFixtures.queues;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteAnswerTest {
    private static final int INHERIT_RW = PermName.PERM_INHERIT | PermName.PERM_READ | PermName.PERM_WRITE;
    private static final int RW = PermName.PERM_READ | PermName.PERM_WRITE;

    private static RouteAnswer found(QueueData... queueDatas) {
        return new RouteAnswer(ResponseCode.SUCCESS, null, RouteFixtures.route(queueDatas));
    }

    @Test
    void shouldReckonTheRouteOfATopicCreatedAtItsFirstSendFromTheBrokersThatAutoCreate() {
        RouteAnswer defaultTopic = found(queues("a", INHERIT_RW, 8), queues("b", RW, 8), queues("c", INHERIT_RW, 2));

        assertTrue(defaultTopic.autoCreates());
        TopicRouteData created = defaultTopic.autoCreatedRoute(4);

        assertEquals(2, created.getQueueDatas().size(), "broker b does not create topics");
        QueueData a = created.getQueueDatas().get(0);
        assertEquals("a", a.getBrokerName());
        assertEquals(4, a.getWriteQueueNums(), "the producer's defaultTopicQueueNums caps the queues");
        assertEquals(4, a.getReadQueueNums());
        assertEquals(RW, a.getPerm(), "a created topic is readable and writable, it does not inherit");
        QueueData c = created.getQueueDatas().get(1);
        assertEquals(2, c.getWriteQueueNums(), "nor can it have more queues than the default topic");
        assertEquals(3, created.getBrokerDatas().size(), "broker addresses as the name server gave them");
        assertEquals(3, defaultTopic.route().getQueueDatas().size(), "the default topic's own route is unchanged");
    }

    @Test
    void shouldSeeNoAutoCreationWithoutTheInheritPermissionOrARoute() {
        RouteAnswer noInherit = found(queues("a", RW, 8));
        assertFalse(noInherit.autoCreates());
        assertNull(noInherit.autoCreatedRoute(4));

        RouteAnswer missing = new RouteAnswer(ResponseCode.TOPIC_NOT_EXIST, "no route", null);
        assertFalse(missing.autoCreates());
        assertNull(missing.autoCreatedRoute(4));
    }
}
