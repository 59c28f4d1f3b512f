package io.sundial.proxy.dispatch;

import io.sundial.store.index.DueEntry;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.DueTimer;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.SerializeType;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeaderV2;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.BrokerGate;
import io.sundial.proxy.route.RouteFixtures;
import io.sundial.store.service.Lane;
import io.sundial.store.service.Outcome;
import io.sundial.store.time.ManualClock;
import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static io.sundial.proxy.route.RouteFixtures.queues;
import static io.sundial.proxy.route.RouteFixtures.route;

class RepublisherRunsTest {
    /** The masters of brokers a and b in {@link RouteFixtures#route}. */
    private static final String A = "a:10911";
    private static final String B = "b:10911";

    private static DueTimer timer(long seq, String broker, int bodyBytes) {
        String properties = MessageDecoder.messageProperties2String(
                java.util.Map.of(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, "u" + seq));
        TimerMessage m = new TimerMessage("T", 0, broker, "TBW102", 4, "g", 0, 0, 1L, "127.0.0.1:1", 0, properties,
                new byte[bodyBytes]);
        return new DueTimer(new DueEntry(1000, seq, 0, 100, 0, "T", "u" + seq, List.of()),
                LogRecord.timer(seq, 1000, 1, 0, "u" + seq, m), 1000);
    }

    private static List<Integer> sizes(List<List<DueTimer>> runs) {
        return runs.stream().map(List::size).toList();
    }

    @Test
    void shouldSplitABatchAtABrokerChange() {
        List<DueTimer> timers = List.of(timer(1, "a", 10), timer(2, "a", 10), timer(3, "b", 10), timer(4, "a", 10));
        assertEquals(List.of(2, 1, 1), sizes(Republisher.runs(timers)));
    }

    @Test
    void shouldKeepEachBatchUnderItsByteLimit() {
        List<DueTimer> timers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            timers.add(timer(i, "a", 300 * 1024)); // 10 x 300 KiB: at most three per 1 MiB batch
        }
        timers.add(timer(10, "a", 3 << 20)); // larger than a batch: alone
        timers.add(timer(11, "a", 10));
        assertEquals(List.of(3, 3, 3, 1, 1, 1), sizes(Republisher.runs(timers)));
    }

    @Test
    void shouldSendBinaryHeadersThatDecodeAsTheBrokerDecodesThem() throws Exception {
        DueTimer one = timer(7, "a", 10);
        RemotingCommand single = onTheWire(Republisher.request("T", "a", 3, List.of(one)));
        assertEquals(SerializeType.ROCKETMQ, single.getSerializeTypeCurrentRPC());
        assertEquals(RequestCode.SEND_MESSAGE_V2, single.getCode());
        SendMessageRequestHeader h = SendMessageRequestHeaderV2.createSendMessageRequestHeaderV1(
                (SendMessageRequestHeaderV2) single.decodeCommandCustomHeader(SendMessageRequestHeaderV2.class));
        assertEquals("T", h.getTopic());
        assertEquals(3, h.getQueueId());
        assertEquals("a", h.getBrokerName());
        assertEquals("u7", MessageDecoder.string2messageProperties(h.getProperties())
                .get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX));

        RemotingCommand batch = onTheWire(Republisher.request("T", "a", 1, List.of(one, timer(8, "a", 10))));
        assertEquals(SerializeType.ROCKETMQ, batch.getSerializeTypeCurrentRPC());
        assertEquals(RequestCode.SEND_BATCH_MESSAGE, batch.getCode());
        List<Message> messages = MessageDecoder.decodeMessages(ByteBuffer.wrap(batch.getBody()));
        assertEquals(List.of("u7", "u8"), messages.stream().map(m -> m.getProperty(
                MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX)).toList());
    }

    /** Encodes as the client writes it and decodes as a broker reads it (the frame without its length field). */
    private static RemotingCommand onTheWire(RemotingCommand request) throws Exception {
        ByteBuffer frame = request.encode();
        frame.getInt();
        return RemotingCommand.decode(frame.slice());
    }

    /**
     * Lane 0 holds timers of two brokers' queue 0. Broker b answers busy: its later run is held back (its queue's
     * order), broker a's runs are still sent and delivered, not made to wait behind b.
     */
    @Test
    void shouldHoldBackOnlyTheFailedBrokersLaterRuns() throws Exception {
        Map<String, Integer> sendsTo = new ConcurrentHashMap<>();
        RemotingClient client = RouteFixtures.backend(route(queues("a", 6, 4), queues("b", 6, 4)), (addr, request) -> {
            sendsTo.merge(addr, 1, Integer::sum);
            return CompletableFuture.completedFuture(RemotingCommand.createResponseCommand(
                    addr.equals(B) ? ResponseCode.SYSTEM_BUSY : ResponseCode.SUCCESS, "busy or not"));
        });
        try (BackendRoutes routes = new BackendRoutes(client, "10.0.0.9:9876", 30_000, 3_000,
                new ManualClock(1_000_000L))) {
            Republisher republisher = new Republisher(client, routes, new BrokerGate(client, 3_000), 3_000);
            List<DueTimer> lane = List.of(timer(1, "b", 10), timer(2, "a", 10), timer(3, "b", 10), timer(4, "a", 10));
            List<Outcome> outcomes = republisher.dispatch(new Lane("T", 0), lane).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            assertInstanceOf(Outcome.Retry.class, outcomes.get(0), "b answered busy");
            assertInstanceOf(Outcome.Delivered.class, outcomes.get(1), "a's run is not held behind b's");
            assertInstanceOf(Outcome.Retry.class, outcomes.get(2), "b's later run waits: its queue's order");
            assertInstanceOf(Outcome.Delivered.class, outcomes.get(3));
            assertEquals(Map.of(A, 2, B, 1), sendsTo, "b's later run was not sent");
        }
    }
}
