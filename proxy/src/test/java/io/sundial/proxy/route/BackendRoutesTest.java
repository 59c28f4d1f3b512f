package io.sundial.proxy.route;

import io.sundial.store.time.ManualClock;
import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.sundial.proxy.route.RouteFixtures.queues;
import static io.sundial.proxy.route.RouteFixtures.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendRoutesTest {
    private static final long REFRESH_MS = 30_000;

    /** What the scripted name server does. */
    private enum Namesrv { ANSWERS, FROZEN, RESTARTED_EMPTY, TOPIC_DELETED }

    private Namesrv namesrv = Namesrv.ANSWERS;
    private final TopicRouteData orders = route(queues("broker-a", 6, 4));
    private static final String DEAD_NAMESRV = "10.0.0.8:9876";
    private final List<String> asked = new ArrayList<>();
    private final List<String> askedAt = new ArrayList<>();
    private final ManualClock clock = new ManualClock(1_000_000L);
    private final BackendRoutes routes = new BackendRoutes(scriptedClient(), "10.0.0.9:9876", REFRESH_MS, 3_000,
            clock);

    @AfterEach
    void close() {
        routes.close();
    }

    private RemotingClient scriptedClient() {
        return (RemotingClient) Proxy.newProxyInstance(RemotingClient.class.getClassLoader(),
                new Class<?>[] {RemotingClient.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("invoke")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    RemotingCommand request = (RemotingCommand) args[1];
                    asked.add(request.getCode() == RequestCode.GET_ROUTEINFO_BY_TOPIC ? "route" : "cluster");
                    askedAt.add((String) args[0]);
                    if (args[0].equals(DEAD_NAMESRV)) {
                        return CompletableFuture.failedFuture(new RemotingTimeoutException(DEAD_NAMESRV, 3_000));
                    }
                    return CompletableFuture.completedFuture(null).thenCompose(x -> answer(request));
                });
    }

    private CompletableFuture<RemotingCommand> answer(RemotingCommand request) {
        if (namesrv == Namesrv.FROZEN) {
            return CompletableFuture.failedFuture(new RemotingTimeoutException("10.0.0.9:9876", 3_000));
        }
        if (request.getCode() == RequestCode.GET_BROKER_CLUSTER_INFO) {
            ClusterInfo info = new ClusterInfo();
            Map<String, BrokerData> brokers = new HashMap<>();
            if (namesrv != Namesrv.RESTARTED_EMPTY) {
                brokers.put("broker-a", orders.getBrokerDatas().get(0));
            }
            info.setBrokerAddrTable(brokers);
            info.setClusterAddrTable(new HashMap<>());
            RemotingCommand r = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
            r.setBody(info.encode());
            return CompletableFuture.completedFuture(r);
        }
        if (namesrv == Namesrv.ANSWERS) {
            RemotingCommand r = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
            r.setBody(orders.encode());
            return CompletableFuture.completedFuture(r);
        }
        return CompletableFuture.completedFuture(RemotingCommand.createResponseCommand(ResponseCode.TOPIC_NOT_EXIST,
                "No topic route info in name server for the topic: orders"));
    }

    @Test
    void shouldKeepTheLastRouteWhileNoNameServerAnswers() {
        RouteAnswer first = routes.route("orders").join();
        assertTrue(first.found());
        namesrv = Namesrv.FROZEN;
        clock.advance(REFRESH_MS);
        RouteAnswer during = routes.route("orders").join();
        assertSame(first, during, "the last route found, as a client keeps its routes through an outage");
        int asks = asked.size();
        clock.advance(REFRESH_MS - 1);
        assertSame(first, routes.route("orders").join());
        assertEquals(asks, asked.size(), "kept as fresh: sends do not each wait out a name server's timeout");
        assertEquals("broker-a:10911", routes.masterAddr("broker-a"));
    }

    @Test
    void shouldAskAgainAfterAFailedSendYetKeepTheRouteIfNoNameServerAnswers() {
        RouteAnswer first = routes.route("orders").join();
        routes.invalidate("orders");
        int asks = asked.size();
        assertTrue(routes.route("orders").join().found());
        assertEquals(asks + 1, asked.size(), "a failed send makes the next use ask again");
        routes.invalidate("orders");
        namesrv = Namesrv.FROZEN;
        assertTrue(routes.route("orders").join().found(), "the route is still known when no name server answers");
        assertEquals(first.route().getBrokerDatas(), routes.cachedRoute("orders").getBrokerDatas());
    }

    @Test
    void shouldStayWithTheNameServerThatAnsweredWhileAnotherIsDown() {
        try (BackendRoutes two = new BackendRoutes(scriptedClient(), DEAD_NAMESRV + ";10.0.0.9:9876", REFRESH_MS,
                3_000, clock)) {
            for (int i = 0; i < 20; i++) {
                assertTrue(two.route("topic-" + i).join().found());
            }
            assertTrue(two.anyBroker().join());
            // Each ask of a frozen name server costs its timeout (3 s by default): a send waiting on a route
            // would time out at the producer. Like the client, Sundial keeps to the one that answers.
            assertEquals(1, askedAt.stream().filter(DEAD_NAMESRV::equals).count(), askedAt.toString());
        }
    }

    @Test
    void shouldRefreshARouteWhileItsTopicIsUsedAndForgetItTenMinutesAfter() {
        routes.route("orders").join();
        for (int i = 0; i < 20; i++) { // 5 minutes of refreshes, the topic used throughout
            clock.advance(REFRESH_MS / 2);
            routes.route("orders").join();
            routes.refreshUsed();
        }
        int asks = asked.size();
        assertTrue(asks >= 20, "refreshed while used: " + asks + " asks");
        for (int i = 0; i < 44; i++) { // 11 minutes unused
            clock.advance(REFRESH_MS / 2);
            routes.refreshUsed();
        }
        assertNull(routes.cachedRoute("orders"), "forgotten when unused for 10 minutes");
        int forgottenAt = asked.size();
        clock.advance(REFRESH_MS);
        routes.refreshUsed();
        assertEquals(forgottenAt, asked.size(), "a topic no longer used is not polled for ever");
    }

    @Test
    void shouldAnswerSystemErrorForATopicNeverSeenWhileNoNameServerAnswers() {
        namesrv = Namesrv.FROZEN;
        RouteAnswer answer = routes.route("orders").join();
        assertEquals(ResponseCode.SYSTEM_ERROR, answer.code());
        assertTrue(answer.remark().contains("cannot reach the backend name server 10.0.0.9:9876"), answer.remark());
        assertEquals(ResponseCode.SYSTEM_ERROR, routes.probe("orders").join().code(), "the probe reads it so too");
    }

    @Test
    void shouldKeepTheLastRouteWhileARestartedNameServerKnowsNoBroker() {
        RouteAnswer first = routes.route("orders").join();
        namesrv = Namesrv.RESTARTED_EMPTY;
        clock.advance(REFRESH_MS);
        assertSame(first, routes.route("orders").join(), "no broker registered yet: an outage, not a deletion");
        namesrv = Namesrv.ANSWERS;
        clock.advance(REFRESH_MS);
        assertTrue(routes.route("orders").join().found());
    }

    @Test
    void shouldForgetTheRouteOfATopicDeletedFromABackendThatHasBrokers() {
        assertTrue(routes.route("orders").join().found());
        namesrv = Namesrv.TOPIC_DELETED;
        clock.advance(REFRESH_MS);
        RouteAnswer answer = routes.route("orders").join();
        assertEquals(ResponseCode.TOPIC_NOT_EXIST, answer.code(), "passed on, so the producer falls back");
        assertNull(routes.cachedRoute("orders"));
    }
}
