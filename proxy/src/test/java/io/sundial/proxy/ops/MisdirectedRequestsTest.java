package io.sundial.proxy.ops;

import io.sundial.store.StoreConfig;
import io.sundial.store.TimerStore;
import io.sundial.store.log.FlushMode;
import io.sundial.store.time.ManualClock;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.heartbeat.ConsumerData;
import org.apache.rocketmq.remoting.protocol.heartbeat.HeartbeatData;
import org.apache.rocketmq.remoting.protocol.heartbeat.ProducerData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MisdirectedRequestsTest {
    private static final long T0 = 1_750_000_000_000L;

    @TempDir
    Path dir;
    private TimerStore store;
    private SundialMetrics metrics;
    private final ManualClock clock = new ManualClock(T0);
    private MisdirectedRequests misdirected;

    @BeforeEach
    void open() throws Exception {
        store = TimerStore.open(StoreConfig.defaults().withStorePath(dir).withSegmentSize(1 << 20)
                .withIndexMemoryBudget(16L << 20).withFlushMode(FlushMode.ASYNC_FLUSH)
                .withMinFreeDiskBytes(1L << 20), clock);
        metrics = new SundialMetrics(store);
        misdirected = new MisdirectedRequests("10.0.0.1:9876", metrics, clock);
        metrics.bind(misdirected);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    @Test
    void shouldRememberTheConsumerGroupsOfHeartbeatsNotTheProducers() {
        misdirected.heartbeat(heartbeat("client-a", List.of("orders-consumers"), List.of("orders-producers")),
                "10.0.0.7:5000");
        clock.advance(1_000);
        misdirected.heartbeat(heartbeat("client-b", List.of("billing", "orders-consumers"), List.of()),
                "10.0.0.8:5001");

        List<MisdirectedRequests.ConsumerSeen> seen = misdirected.consumerGroups();
        assertEquals(List.of(
                new MisdirectedRequests.ConsumerSeen("billing", "client-b", "10.0.0.8:5001", T0 + 1_000),
                new MisdirectedRequests.ConsumerSeen("orders-consumers", "client-b", "10.0.0.8:5001", T0 + 1_000)),
                seen.stream().sorted((x, y) -> x.group().compareTo(y.group())).toList());
        assertTrue(metrics.scrape().contains("sundial_consumer_groups_misdirected 2.0"), metrics.scrape());
    }

    @Test
    void shouldIgnoreHeartbeatsWithoutConsumersAndBodiesThatDoNotDecode() {
        misdirected.heartbeat(heartbeat("producer-only", List.of(), List.of("pg")), "10.0.0.7:5000");
        misdirected.heartbeat("{not json".getBytes(StandardCharsets.UTF_8), "10.0.0.7:5000");
        misdirected.heartbeat(null, "10.0.0.7:5000");
        misdirected.heartbeat(new byte[MisdirectedRequests.MAX_HEARTBEAT_BYTES + 1], "10.0.0.7:5000");

        assertEquals(List.of(), misdirected.consumerGroups());
    }

    @Test
    void shouldRememberAtMostMaxGroupsButKeepRefreshingThoseItHas() {
        for (int i = 0; i < MisdirectedRequests.MAX_GROUPS + 5; i++) {
            misdirected.heartbeat(heartbeat("c", List.of("g" + i), List.of()), "h:1");
        }
        assertEquals(MisdirectedRequests.MAX_GROUPS, misdirected.consumerGroups().size());

        clock.advance(5_000);
        misdirected.heartbeat(heartbeat("c2", List.of("g0"), List.of()), "h:2");
        assertEquals(new MisdirectedRequests.ConsumerSeen("g0", "c2", "h:2", T0 + 5_000),
                misdirected.consumerGroups().get(0), "latest first, refreshed");
    }

    @Test
    void shouldCountRefusalsByCodeAndTheRestAsOtherOnceManyCodesWereSeen() {
        misdirected.refused(RequestCode.PULL_MESSAGE, "h:1");
        misdirected.refused(RequestCode.PULL_MESSAGE, "h:1");
        for (int code = 100_000; code < 100_000 + MisdirectedRequests.MAX_CODES; code++) {
            misdirected.refused(code, "h:1");
        }

        String scrape = metrics.scrape();
        assertTrue(scrape.contains("sundial_requests_refused_total{code=\"11\"} 2.0"), scrape);
        assertTrue(scrape.contains("sundial_requests_refused_total{code=\"other\"} 1.0"), scrape);
        assertEquals("PULL_MESSAGE", MisdirectedRequests.name(11));
        assertEquals("unknown", MisdirectedRequests.name(77_777));
    }

    private static byte[] heartbeat(String clientId, List<String> consumerGroups, List<String> producerGroups) {
        HeartbeatData data = new HeartbeatData();
        data.setClientID(clientId);
        for (String g : consumerGroups) {
            ConsumerData c = new ConsumerData();
            c.setGroupName(g);
            data.getConsumerDataSet().add(c);
        }
        for (String g : producerGroups) {
            ProducerData p = new ProducerData();
            p.setGroupName(g);
            data.getProducerDataSet().add(p);
        }
        return data.encode();
    }
}
