package io.sundial.proxy.dispatch;

import ch.qos.logback.classic.Level;
import io.sundial.store.CapturedLog;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static io.sundial.proxy.route.RouteFixtures.queues;
import static io.sundial.proxy.route.RouteFixtures.route;

class RepublisherRunsTest {
    /** The masters of brokers a and b in {@link RouteFixtures#route}. */
    private static final String A = "a:10911";
    private static final String B = "b:10911";

    private static DueTimer timer(long seq, String broker, int bodyBytes) {
        return timer(seq, broker, bodyBytes, 0);
    }

    private static DueTimer timer(long seq, String broker, int bodyBytes, int sysFlag) {
        String properties = MessageDecoder.messageProperties2String(
                java.util.Map.of(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, "u" + seq));
        TimerMessage m = new TimerMessage("T", 0, broker, "TBW102", 4, "g", sysFlag, 0, 1L, "127.0.0.1:1", 0, properties,
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
     * A producer's round-robin alternates between the groups, so lane 0's timers in due order alternate between
     * broker a's and broker b's queue 0. Each broker's go as one batch, in due order, not as one send per timer.
     */
    @Test
    void shouldSendEachBrokersTimersOfAnAlternatingLaneAsOneBatch() throws Exception {
        List<Sent> sent = new CopyOnWriteArrayList<>();
        List<DueTimer> lane = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lane.add(timer(i, i % 2 == 0 ? "a" : "b", 10));
        }
        List<Outcome> outcomes = dispatch(lane, (addr, sends) -> {
            sent.add(sends);
            return ResponseCode.SUCCESS;
        });
        assertEquals(8, outcomes.stream().filter(Outcome.Delivered.class::isInstance).count(), outcomes.toString());
        assertEquals(Set.of(new Sent(A, "a", 0, List.of("u0", "u2", "u4", "u6")),
                new Sent(B, "b", 0, List.of("u1", "u3", "u5", "u7"))), Set.copyOf(sent));
        assertEquals(2, sent.size(), "one batch per broker");
    }

    /**
     * Broker b answers busy, as a broker whose store lags does: its run goes to broker a, as the stock client
     * retries a busy answer on another broker, so the lane is delivered whole and does not back off.
     */
    @Test
    void shouldSendARunItsBrokerRefusesToAnotherGroup() throws Exception {
        List<Sent> sent = new CopyOnWriteArrayList<>();
        List<DueTimer> lane = List.of(timer(1, "b", 10), timer(2, "a", 10), timer(3, "b", 10), timer(4, "a", 10));
        List<Outcome> outcomes = dispatch(lane, (addr, sends) -> {
            sent.add(sends);
            return addr.equals(B) ? ResponseCode.SYSTEM_BUSY : ResponseCode.SUCCESS;
        });
        assertEquals(4, outcomes.stream().filter(Outcome.Delivered.class::isInstance).count(), outcomes.toString());
        assertEquals(Set.of(new Sent(B, "b", 0, List.of("u1", "u3")), new Sent(A, "a", 0, List.of("u2", "u4")),
                new Sent(A, "a", 0, List.of("u1", "u3"))), Set.copyOf(sent));
        assertEquals(3, sent.size(), "b's run tried once at b, then at a");
    }

    /** With no other group to take them, a refused run is retried and holds back its broker's later runs. */
    @Test
    void shouldRetryARefusedRunAndHoldBackItsBrokersLaterRunsWhenNoOtherGroupTakesThem() throws Exception {
        Map<String, Integer> sendsTo = new ConcurrentHashMap<>();
        List<DueTimer> lane = List.of(timer(1, "b", 10), timer(2, "a", 10), timer(3, "b", 10, 1));
        List<Outcome> outcomes = dispatch(lane, (addr, sends) -> {
            sendsTo.merge(addr, 1, Integer::sum);
            return ResponseCode.SERVICE_NOT_AVAILABLE;
        });
        outcomes.forEach(o -> assertInstanceOf(Outcome.Retry.class, o));
        assertEquals(Map.of(A, 2, B, 2), sendsTo, "each broker's first run, and its move to the other one;"
                + " b's second run was not sent");
    }

    /**
     * A failure that is the message's, not the broker's (here refused as illegal: parked), is not moved; it holds
     * back its broker's later runs (its queue's order) and not the other broker's.
     */
    @Test
    void shouldHoldBackOnlyTheFailedBrokersLaterRuns() throws Exception {
        Map<String, Integer> sendsTo = new ConcurrentHashMap<>();
        List<DueTimer> lane = List.of(timer(1, "b", 10), timer(2, "a", 10), timer(3, "b", 10, 1),
                timer(4, "a", 10));
        List<Outcome> outcomes = dispatch(lane, (addr, sends) -> {
            sendsTo.merge(addr, 1, Integer::sum);
            return addr.equals(B) ? ResponseCode.MESSAGE_ILLEGAL : ResponseCode.SUCCESS;
        });
        assertInstanceOf(Outcome.Park.class, outcomes.get(0), "b refused the message");
        assertInstanceOf(Outcome.Delivered.class, outcomes.get(1), "a's run is not held behind b's");
        assertInstanceOf(Outcome.Retry.class, outcomes.get(2), "b's later run waits: its queue's order");
        assertInstanceOf(Outcome.Delivered.class, outcomes.get(3));
        assertEquals(Map.of(A, 1, B, 1), sendsTo, "a's timers as one batch; b's later run was not sent");
    }

    /** One send as a scripted broker saw it: where to, the broker and queue in its header, its messages' keys. */
    private record Sent(String addr, String broker, int queueId, List<String> uniqKeys) {
        static Sent of(String addr, RemotingCommand request) {
            SendMessageRequestHeader h = SendMessageRequestHeaderV2.createSendMessageRequestHeaderV1(
                    (SendMessageRequestHeaderV2) request.readCustomHeader());
            List<String> keys;
            try {
                keys = request.getCode() == RequestCode.SEND_BATCH_MESSAGE
                        ? MessageDecoder.decodeMessages(ByteBuffer.wrap(request.getBody())).stream()
                                .map(m -> m.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX)).toList()
                        : List.of(MessageDecoder.string2messageProperties(h.getProperties())
                                .get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX));
            } catch (Exception e) {
                throw new AssertionError("a batch body the broker could not decode", e);
            }
            return new Sent(addr, h.getBrokerName(), h.getQueueId(), keys);
        }
    }

    /** A broker busy for five batches is logged once when it starts refusing, and once when it takes one again. */
    @Test
    void shouldLogABrokersRefusalsOnceAndItsRecoveryOnce() throws Exception {
        AtomicBoolean bRefuses = new AtomicBoolean(true);
        try (CapturedLog log = new CapturedLog(BrokerRefusals.class);
             Backend backend = Backend.answering((addr, sent) -> addr.equals(B) && bRefuses.get()
                     ? ResponseCode.SYSTEM_BUSY : ResponseCode.SUCCESS)) {
            for (int i = 0; i < 5; i++) {
                assertInstanceOf(Outcome.Delivered.class, backend.dispatch(List.of(timer(i, "b", 10))).get(0));
            }
            bRefuses.set(false);
            backend.clock().advance(1_000); // b is offered a run again
            backend.dispatch(List.of(timer(9, "b", 10)));
            assertEquals(1, log.lines(Level.WARN, "Broker b (b:10911) refuses re-publishes: code 2 scripted").size(),
                    log.lines(Level.WARN, "").toString());
            assertEquals(1, log.lines(Level.INFO, "Broker b takes re-publishes again").size());
        }
    }

    /**
     * While broker b refuses, its runs go straight to a instead of each costing b a refused round trip first; once a
     * second b is offered one, and once it takes it, it gets its own timers again.
     */
    @Test
    void shouldSendARefusingBrokersRunsElsewhereAndOfferItOneASecond() throws Exception {
        AtomicBoolean bRefuses = new AtomicBoolean(true);
        Map<String, Integer> sendsTo = new ConcurrentHashMap<>();
        try (Backend backend = Backend.answering((addr, sent) -> {
            sendsTo.merge(addr, 1, Integer::sum);
            return addr.equals(B) && bRefuses.get() ? ResponseCode.SYSTEM_BUSY : ResponseCode.SUCCESS;
        })) {
            for (int i = 0; i < 5; i++) {
                assertInstanceOf(Outcome.Delivered.class, backend.dispatch(List.of(timer(i, "b", 10))).get(0));
            }
            assertEquals(Map.of(B, 1, A, 5), sendsTo, "refused once by b; its later runs went straight to a");

            backend.clock().advance(1_000);
            backend.dispatch(List.of(timer(5, "b", 10)));
            assertEquals(Map.of(B, 2, A, 6), sendsTo, "a second later b is offered one, refuses, and a takes it");

            bRefuses.set(false);
            backend.dispatch(List.of(timer(6, "b", 10)));
            assertEquals(Map.of(B, 2, A, 7), sendsTo, "not offered again within the second");
            backend.clock().advance(1_000);
            backend.dispatch(List.of(timer(7, "b", 10)));
            backend.dispatch(List.of(timer(8, "b", 10)));
            assertEquals(Map.of(B, 4, A, 7), sendsTo, "b took the one offered, and has its own timers again");
        }
    }

    /** Dispatches lane 0 of topic T, on brokers a and b of 4 queues each, which answer {@code answer}'s code. */
    private static List<Outcome> dispatch(List<DueTimer> lane, BiFunction<String, Sent, Integer> answer)
            throws Exception {
        try (Backend backend = Backend.answering(answer)) {
            return backend.dispatch(lane);
        }
    }

    /**
     * A republisher in front of scripted brokers a and b, 4 queues each of topic T, which answer as told; its clock
     * moves only when told.
     */
    private record Backend(BackendRoutes routes, Republisher republisher, ManualClock clock) implements AutoCloseable {
        static Backend answering(BiFunction<String, Sent, Integer> answer) {
            RemotingClient client = RouteFixtures.backend(route(queues("a", 6, 4), queues("b", 6, 4)),
                    (addr, request) -> CompletableFuture.completedFuture(RemotingCommand.createResponseCommand(
                            answer.apply(addr, Sent.of(addr, request)), "scripted")));
            ManualClock clock = new ManualClock(1_000_000L);
            BackendRoutes routes = new BackendRoutes(client, "10.0.0.9:9876", 30_000, 3_000, clock);
            return new Backend(routes, new Republisher(client, routes, new BrokerGate(client, 3_000), 3_000, clock),
                    clock);
        }

        /** Dispatches {@code lane} as lane 0 of topic T. */
        List<Outcome> dispatch(List<DueTimer> lane) throws Exception {
            return republisher.dispatch(new Lane("T", 0), lane).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            routes.close();
        }
    }
}
