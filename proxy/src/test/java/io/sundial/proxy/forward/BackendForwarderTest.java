package io.sundial.proxy.forward;

import io.sundial.proxy.ops.SundialMetrics;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.BrokerGate;
import io.sundial.proxy.route.RouteFixtures;
import io.sundial.store.TimerStore;
import io.sundial.store.StoreConfig;
import io.sundial.store.log.FlushMode;
import io.sundial.store.time.ManualClock;
import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.sundial.proxy.route.RouteFixtures.queues;
import static io.sundial.proxy.route.RouteFixtures.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendForwarderTest {
    /** broker-a's master in {@link RouteFixtures#route}. */
    private static final String MASTER = "broker-a:10911";

    @TempDir
    Path dir;
    private TimerStore store;
    private SundialMetrics metrics;
    /** Whether the scripted broker answers (else refuses connections), or never answers; the name server answers. */
    private volatile boolean brokerUp = true;
    private volatile boolean brokerFrozen;
    /** The sends that reached the broker, as address; probes apart. */
    private final List<String> sentTo = new CopyOnWriteArrayList<>();
    private final List<String> probed = new CopyOnWriteArrayList<>();
    private BackendRoutes routes;
    private BackendForwarder forwarder;

    @BeforeEach
    void open() throws Exception {
        ManualClock clock = new ManualClock(1_000_000L);
        store = TimerStore.open(StoreConfig.defaults().withStorePath(dir).withSegmentSize(1 << 20)
                .withIndexMemoryBudget(16L << 20).withFlushMode(FlushMode.ASYNC_FLUSH)
                .withMinFreeDiskBytes(1L << 20), clock);
        metrics = new SundialMetrics(store);
        RemotingClient client = RouteFixtures.backend(route(queues("broker-a", 6, 4)), (addr, request) -> {
            (request.getCode() == RequestCode.GET_BROKER_CONFIG ? probed : sentTo).add(addr);
            if (brokerFrozen) {
                return new CompletableFuture<>();
            }
            RemotingCommand stored = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
            return brokerUp ? CompletableFuture.completedFuture(stored)
                    : CompletableFuture.failedFuture(new RemotingConnectException(addr));
        });
        routes = new BackendRoutes(client, "10.0.0.9:9876", 30_000, 3_000, clock);
        routes.route("orders").join(); // learns broker-a's master, as a producer's route request does
        forwarder = new BackendForwarder(client, routes, new BrokerGate(client, 3_000), 3_000, metrics);
    }

    @AfterEach
    void close() throws Exception {
        routes.close();
        store.close();
    }

    private RemotingCommand send() {
        RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE_V2, null);
        request.setBody(new byte[] {1});
        try {
            return forwarder.forward("broker-a", "orders", request).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("forward did not answer", e);
        }
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
    void shouldAnswerServiceNotAvailableWithTheCauseAndHoldSendsUntilTheBrokerAnswersAProbe() {
        assertEquals(ResponseCode.SUCCESS, send().getCode());
        brokerUp = false;
        RemotingCommand first = send();
        assertEquals(ResponseCode.SERVICE_NOT_AVAILABLE, first.getCode());
        assertTrue(first.getRemark().contains("broker-a (" + MASTER + ")")
                && first.getRemark().contains("RemotingConnectException"), first.getRemark());

        RemotingCommand held = send();
        assertEquals(ResponseCode.SERVICE_NOT_AVAILABLE, held.getCode());
        assertTrue(held.getRemark().contains("Sundial holds sends to broker broker-a"), held.getRemark());
        assertEquals(List.of(MASTER), probed, "a probe, not the send, went to the silent broker");

        brokerFrozen = true; // the probe is never answered: the send is answered after a short wait, not 3 s
        assertEquals(ResponseCode.SERVICE_NOT_AVAILABLE, send().getCode());
        assertEquals(ResponseCode.SERVICE_NOT_AVAILABLE, send().getCode());
        assertEquals(2, probed.size(), "one probe in flight, shared by the sends waiting for it");

        brokerFrozen = false;
        brokerUp = true;
        assertEquals(4.0, failedCount(), "each failed send counted");
        // The frozen probe never completes here, so the gate keeps waiting on it; a real one times out.
        assertEquals(List.of(MASTER, MASTER), sentTo, "only the sends before the broker was known silent reached it");
    }

    @Test
    void shouldPassAgainOnceTheSilentBrokerAnswersAProbe() {
        brokerUp = false;
        assertEquals(ResponseCode.SERVICE_NOT_AVAILABLE, send().getCode());
        brokerUp = true;
        assertEquals(ResponseCode.SUCCESS, send().getCode(), "the probe answered within the wait: the send went");
        assertEquals(List.of(MASTER), probed);
        assertEquals(ResponseCode.SUCCESS, send().getCode());
        assertEquals(1, probed.size(), "no more probes once it answered");
        assertEquals(List.of(MASTER, MASTER, MASTER), sentTo);
        assertEquals(1.0, failedCount(), "a send that passes is not a failure");
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
