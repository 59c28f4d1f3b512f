package io.sundial.proxy.forward;

import io.sundial.proxy.ops.SundialMetrics;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.store.TimerStore;
import io.sundial.store.StoreConfig;
import io.sundial.store.log.FlushMode;
import io.sundial.store.time.ManualClock;
import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendForwarderTest {
    private static final String MASTER = "10.0.0.1:10911";

    @TempDir
    Path dir;
    private TimerStore store;
    private SundialMetrics metrics;
    /** Whether the scripted broker answers sends; the name server always answers. */
    private boolean brokerUp = true;
    private final List<String> sentTo = new ArrayList<>();
    private BackendRoutes routes;
    private BackendForwarder forwarder;

    @BeforeEach
    void open() throws Exception {
        ManualClock clock = new ManualClock(1_000_000L);
        store = TimerStore.open(StoreConfig.defaults().withStorePath(dir).withSegmentSize(1 << 20)
                .withIndexMemoryBudget(16L << 20).withFlushMode(FlushMode.ASYNC_FLUSH)
                .withMinFreeDiskBytes(1L << 20), clock);
        metrics = new SundialMetrics(store);
        RemotingClient client = (RemotingClient) Proxy.newProxyInstance(RemotingClient.class.getClassLoader(),
                new Class<?>[] {RemotingClient.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("invoke")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    RemotingCommand request = (RemotingCommand) args[1];
                    if (request.getCode() == RequestCode.GET_ROUTEINFO_BY_TOPIC) {
                        RemotingCommand route = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
                        route.setBody(route().encode());
                        return CompletableFuture.completedFuture(route);
                    }
                    sentTo.add((String) args[0]);
                    return brokerUp
                            ? CompletableFuture.completedFuture(RemotingCommand.createResponseCommand(
                                    ResponseCode.SUCCESS, null))
                            : CompletableFuture.failedFuture(new RemotingConnectException((String) args[0]));
                });
        routes = new BackendRoutes(client, "10.0.0.9:9876", 30_000, 3_000, clock);
        routes.route("orders").join(); // learns broker-a's master, as a producer's route request does
        forwarder = new BackendForwarder(client, routes, 3_000, metrics);
    }

    @AfterEach
    void close() throws Exception {
        routes.close();
        store.close();
    }

    private static TopicRouteData route() {
        QueueData q = new QueueData();
        q.setBrokerName("broker-a");
        q.setPerm(6);
        q.setReadQueueNums(4);
        q.setWriteQueueNums(4);
        TopicRouteData route = new TopicRouteData();
        route.setQueueDatas(new ArrayList<>(List.of(q)));
        route.setBrokerDatas(new ArrayList<>(List.of(new BrokerData("c", "broker-a",
                new HashMap<>(Map.of(0L, MASTER))))));
        return route;
    }

    private RemotingCommand send() {
        RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE_V2, null);
        request.setBody(new byte[] {1});
        return forwarder.forward("broker-a", "orders", request).join();
    }

    private double failedCount() {
        String scrape = metrics.scrape();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("sundial_sends_pass_through_failed_total ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("no pass-through failure counter in " + scrape);
    }

    @Test
    void shouldAnswerServiceNotAvailableWithTheCauseWhileTheBrokerIsDownAndCountEachFailure() {
        assertEquals(ResponseCode.SUCCESS, send().getCode());
        brokerUp = false;
        RemotingCommand first = send();
        RemotingCommand second = send();
        assertEquals(ResponseCode.SERVICE_NOT_AVAILABLE, first.getCode());
        assertTrue(first.getRemark().contains("broker-a (" + MASTER + ")")
                && first.getRemark().contains("RemotingConnectException"), first.getRemark());
        assertEquals(ResponseCode.SERVICE_NOT_AVAILABLE, second.getCode());
        assertEquals(2.0, failedCount(), "each failed send counted");
        brokerUp = true;
        assertEquals(ResponseCode.SUCCESS, send().getCode());
        assertEquals(2.0, failedCount(), "a send that passes is not a failure");
        assertEquals(List.of(MASTER, MASTER, MASTER, MASTER), sentTo, "every send went to the broker's master");
    }

    @Test
    void shouldLogABrokerWhenItStartsFailingAndWhenItPassesAgainNotEverySend() {
        PassThroughFailures failures = new PassThroughFailures(metrics);
        assertFalse(failures.passed("broker-a"), "a broker that never failed has no recovery to log");
        assertTrue(failures.failed("broker-a", MASTER, new RemotingConnectException(MASTER)));
        assertFalse(failures.failed("broker-a", MASTER, new RemotingConnectException(MASTER)),
                "the same outage is logged once");
        assertTrue(failures.failed("broker-b", "10.0.0.2:10911", new RemotingConnectException("b")),
                "another broker's outage is its own");
        assertTrue(failures.passed("broker-a"));
        assertFalse(failures.passed("broker-a"));
        assertTrue(failures.failed("broker-a", MASTER, new RemotingConnectException(MASTER)),
                "a later outage is logged again");
        assertEquals(4.0, failedCount(), "every failure counted, logged or not");
    }
}
