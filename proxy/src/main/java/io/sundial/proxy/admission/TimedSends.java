package io.sundial.proxy.admission;

import io.sundial.proxy.ops.SundialMetrics;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.RouteAnswer;
import io.sundial.store.AppendRequest;
import io.sundial.store.AppendResult;
import io.sundial.store.StoreBusyException;
import io.sundial.store.StoreException;
import io.sundial.store.StoreFullException;
import io.sundial.store.TimerStore;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.time.Clock;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.SendMessageResponseHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Decides what happens to a send: pass through unchanged (no delivery time), refuse ({@code MESSAGE_ILLEGAL} or
 * {@code TOPIC_NOT_EXIST}, with a remark), or store as a timer and acknowledge once the store has it — also when
 * it is due now or in the past (due then "now"), so that a retry of a send already delivered is recognised. A batch in which any message carries a delivery time is stored
 * message by message, as one group (the stock broker would ignore those properties in a batch and deliver
 * early); its messages without one are due at once. A single stored send's answer carries a recall handle; a
 * delete marker ({@code TIMER_DEL_UNIQKEY}) cancels its target and is never stored or forwarded
 * ({@link ClientCancels}).
 */
public final class TimedSends {
    private static final Logger LOG = LoggerFactory.getLogger(TimedSends.class);

    private final DeliveryTimeParser parser;
    private final TimerStore store;
    private final ClientCancels cancels;
    private final BackendRoutes routes;
    private final Clock clock;
    private final SundialMetrics metrics;

    public TimedSends(DeliveryTimeParser parser, TimerStore store, ClientCancels cancels, BackendRoutes routes,
                      Clock clock, SundialMetrics metrics) {
        this.parser = parser;
        this.store = store;
        this.cancels = cancels;
        this.metrics = metrics;
        this.routes = routes;
        this.clock = clock;
    }

    /** What to do with a send. */
    public sealed interface Decision {
        /** Forward this request (the original, or one rewritten without delay properties). */
        record Forward(RemotingCommand request) implements Decision {
        }

        /** Answer the producer with this response, when it completes. */
        record Answer(CompletableFuture<RemotingCommand> response) implements Decision {
        }
    }

    public Decision decide(RemotingCommand request, SendMessageRequestHeader header, String bornHost)
            throws Exception {
        long now = clock.wallMillis();
        boolean batch = request.getCode() == RequestCode.SEND_BATCH_MESSAGE;
        if (batch) {
            return decideBatch(request, header, bornHost, now);
        }
        Map<String, String> props = MessageDecoder.string2messageProperties(
                header.getProperties() == null ? "" : header.getProperties());
        DeliveryTime time = parser.parse(props, now, bornMs(header, now));
        if (time instanceof DeliveryTime.None) {
            return new Decision.Forward(request);
        }
        if (time instanceof DeliveryTime.Illegal illegal) {
            return answer(ResponseCode.MESSAGE_ILLEGAL, illegal.remark());
        }
        if (time instanceof DeliveryTime.CancelMarker marker) {
            return cancelFor(header, marker.target());
        }
        // Due now or in the past: stored all the same and fired at once. Passing it through would skip the store's
        // retry recognition: a producer re-sending, after a restart, a send whose answer it lost would have it
        // delivered twice once its due time had passed (CrashAndStopTest, graceful stop).
        long due = Math.max(((DeliveryTime.At) time).dueMs(), now);
        TimerMessage message = new TimerMessage(header.getTopic(), header.getQueueId(), header.getBrokerName(),
                header.getDefaultTopic(), nonNull(header.getDefaultTopicQueueNums()), header.getProducerGroup(),
                nonNull(header.getSysFlag()), nonNull(header.getFlag()), nonNull(header.getBornTimestamp()),
                bornHost, nonNull(header.getReconsumeTimes()), header.getProperties(), body(request));
        List<AppendRequest> requests = List.of(new AppendRequest(message, due));
        return new Decision.Answer(store(header, requests));
    }

    /** The send's born time, or the receipt for a request without one. */
    private static long bornMs(SendMessageRequestHeader header, long now) {
        Long born = header.getBornTimestamp();
        return born == null ? now : born;
    }

    private Decision decideBatch(RemotingCommand request, SendMessageRequestHeader header, String bornHost,
                                 long now) throws Exception {
        List<Message> messages = MessageDecoder.decodeMessages(ByteBuffer.wrap(body(request)));
        List<AppendRequest> requests = new ArrayList<>(messages.size());
        boolean anyTimed = false;
        long born = bornMs(header, now);
        for (Message m : messages) {
            Map<String, String> props = m.getProperties();
            DeliveryTime time = parser.parse(props, now, born);
            long due = now;
            if (time instanceof DeliveryTime.Illegal illegal) {
                return answer(ResponseCode.MESSAGE_ILLEGAL, illegal.remark() + " (in a batch)");
            } else if (time instanceof DeliveryTime.CancelMarker) {
                return answer(ResponseCode.MESSAGE_ILLEGAL, "cancel markers are not supported in batches");
            } else if (time instanceof DeliveryTime.At at) {
                anyTimed = true;
                due = at.dueMs();
            }
            requests.add(new AppendRequest(new TimerMessage(header.getTopic(), header.getQueueId(),
                    header.getBrokerName(), header.getDefaultTopic(), nonNull(header.getDefaultTopicQueueNums()),
                    header.getProducerGroup(), nonNull(header.getSysFlag()), m.getFlag(),
                    nonNull(header.getBornTimestamp()), bornHost, nonNull(header.getReconsumeTimes()),
                    MessageDecoder.messageProperties2String(props), m.getBody()), due));
        }
        if (!anyTimed) {
            return new Decision.Forward(request);
        }
        return new Decision.Answer(store(header, requests));
    }

    /** Checks that the backend has (or would create) the topic, then appends and answers. */
    private CompletableFuture<RemotingCommand> store(SendMessageRequestHeader header, List<AppendRequest> requests) {
        return topicWritable(header).thenCompose(refusal -> {
            if (refusal != null) {
                return CompletableFuture.completedFuture(refusal);
            }
            long start = clock.monoNanos();
            return store.appendAll(requests).handle((results, error) -> {
                if (error != null) {
                    return storeFailure(error);
                }
                metrics.appended(clock.monoNanos() - start);
                metrics.accepted((int) results.stream().filter(r -> !r.duplicate()).count());
                return success(header, results, header.isBatch() ? null : recallBroker(header));
            });
        });
    }

    private CompletableFuture<RemotingCommand> topicWritable(SendMessageRequestHeader header) {
        return routes.route(header.getTopic()).thenCompose(answer -> {
            if (answer.found()) {
                return CompletableFuture.completedFuture(null);
            }
            if (answer.code() != ResponseCode.TOPIC_NOT_EXIST) {
                return CompletableFuture.completedFuture(RemotingCommand.createResponseCommand(
                        ResponseCode.SYSTEM_ERROR, "cannot check topic " + header.getTopic() + ": " + answer.remark()));
            }
            String defaultTopic = header.getDefaultTopic();
            if (defaultTopic == null || defaultTopic.isEmpty()) {
                return CompletableFuture.completedFuture(topicNotExist(header));
            }
            return routes.route(defaultTopic).thenCompose(def -> {
                if (def.autoCreates()) {
                    return CompletableFuture.completedFuture(null);
                }
                // No broker at all reads as "no such topic": an outage, not a refusal. Accepted, the timer is
                // delivered when the backend is back (or parked if the topic is really missing then).
                return routes.anyBroker().thenApply(any -> any ? topicNotExist(header) : null);
            });
        });
    }

    private static RemotingCommand topicNotExist(SendMessageRequestHeader header) {
        return RemotingCommand.createResponseCommand(ResponseCode.TOPIC_NOT_EXIST, "topic " + header.getTopic()
                + " does not exist on the backend cluster and would not be auto-created");
    }

    /**
     * A delete marker: {@code TIMER_DEL_UNIQKEY} = {@code topic + "+" + uniqKey} (topic names cannot hold '+').
     * Answered SEND_OK with the cancelled timer's id when it was cancelled; see {@link ClientCancels} otherwise.
     */
    private Decision cancelFor(SendMessageRequestHeader header, String target) {
        int plus = target.indexOf('+');
        if (plus <= 0 || plus == target.length() - 1) {
            return answer(ResponseCode.MESSAGE_ILLEGAL, "TIMER_DEL_UNIQKEY must be topic+uniqKey, got '" + target
                    + "'");
        }
        String topic = target.substring(0, plus);
        String uniqKey = target.substring(plus + 1);
        return new Decision.Answer(cancels.cancel(topic, uniqKey, "delete marker").thenApply(r -> {
            if (r.code() != ResponseCode.SUCCESS) {
                return RemotingCommand.createResponseCommand(r.code(), r.remark());
            }
            RemotingCommand response = RemotingCommand.createResponseCommand(SendMessageResponseHeader.class);
            SendMessageResponseHeader h = (SendMessageResponseHeader) response.readCustomHeader();
            h.setMsgId(r.cancelled() == null ? uniqKey : SundialIds.msgId(r.cancelled().dueMs(), r.cancelled().seq()));
            h.setQueueId(header.getQueueId());
            h.setQueueOffset(r.cancelled() == null ? 0L : r.cancelled().seq());
            response.setCode(ResponseCode.SUCCESS);
            response.setRemark(r.remark());
            return response;
        }));
    }

    /**
     * The backend broker a recall handle names: the one the producer chose (5.x clients always name it), so that
     * the client's route look-up of that name finds Sundial. Null (no handle) for clients that name none.
     */
    private static String recallBroker(SendMessageRequestHeader header) {
        String name = header.getBrokerName();
        return name == null || name.isEmpty() ? null : name;
    }

    private static RemotingCommand success(SendMessageRequestHeader header, List<AppendResult> results,
                                           String recallBroker) {
        RemotingCommand response = RemotingCommand.createResponseCommand(SendMessageResponseHeader.class);
        SendMessageResponseHeader h = (SendMessageResponseHeader) response.readCustomHeader();
        StringBuilder ids = new StringBuilder();
        for (AppendResult r : results) {
            if (ids.length() > 0) {
                ids.append(',');
            }
            ids.append(SundialIds.msgId(r.dueMs(), r.seq()));
        }
        h.setMsgId(ids.toString());
        h.setQueueId(header.getQueueId());
        h.setQueueOffset(results.get(0).seq());
        if (recallBroker != null) {
            AppendResult r = results.get(0);
            h.setRecallHandle(ClientCancels.recallHandle(header.getTopic(), recallBroker, r.dueMs(), r.uniqKey()));
        }
        response.setCode(ResponseCode.SUCCESS);
        response.setRemark(null);
        return response;
    }

    private static RemotingCommand storeFailure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof StoreBusyException) {
            return RemotingCommand.createResponseCommand(ResponseCode.SYSTEM_BUSY, "[SUNDIAL_BUSY] "
                    + cause.getMessage());
        }
        if (cause instanceof StoreFullException) {
            return RemotingCommand.createResponseCommand(ResponseCode.SYSTEM_BUSY, "[SUNDIAL_STORE_FULL] "
                    + cause.getMessage());
        }
        if (!(cause instanceof StoreException)) {
            // The store logs its own failures once per episode (a failing disk fails every send); this is not one.
            LOG.error("Storing a timed send failed", cause);
        }
        return RemotingCommand.createResponseCommand(ResponseCode.SYSTEM_ERROR, "Sundial could not store the"
                + " timer: " + cause.getMessage());
    }

    private static Decision answer(int code, String remark) {
        return new Decision.Answer(CompletableFuture.completedFuture(
                RemotingCommand.createResponseCommand(code, remark)));
    }

    private static byte[] body(RemotingCommand request) {
        return request.getBody() == null ? new byte[0] : request.getBody();
    }

    private static int nonNull(Integer v) {
        return v == null ? 0 : v;
    }

    private static long nonNull(Long v) {
        return v == null ? 0 : v;
    }
}
