package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandlerContext;
import io.sundial.proxy.admission.MalformedSendException;
import io.sundial.proxy.admission.SendCheck;
import io.sundial.proxy.admission.TimedSends;
import io.sundial.proxy.forward.BackendForwarder;
import io.sundial.proxy.ops.SundialMetrics;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.LegacyRoutes;
import io.sundial.proxy.route.RouteAnswer;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.sysflag.MessageSysFlag;
import org.apache.rocketmq.remoting.common.RemotingHelper;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.SendMessageResponseHeader;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends: {@code SEND_MESSAGE} (10), {@code SEND_MESSAGE_V2} (310) and {@code SEND_BATCH_MESSAGE} (320), sync,
 * async or oneway. Transactional sends are refused ({@code MESSAGE_ILLEGAL}): their {@code END_TRANSACTION} is
 * oneway and the broker's check-back would reach Sundial, not the producer, so passing them through would lose
 * them silently. So are requests of request-reply ({@code producer.request}): the broker pushes the reply to the
 * connection the requester registered on, which is Sundial's. Replies ({@code SEND_REPLY_MESSAGE}) pass through.
 * Sends with a delivery time go to {@link TimedSends}; every other send passes through to the broker the producer
 * chose. Each send arrives admitted into the {@link InflightBudget} ({@link SendAdmission});
 * its bytes are given back once its answer is written.
 */
final class SendProcessor implements NettyRequestProcessor {
    /** The request codes this processor serves: the sends, then the replies of request-reply. */
    static final List<Integer> CODES = List.of(RequestCode.SEND_MESSAGE, RequestCode.SEND_MESSAGE_V2,
            RequestCode.SEND_BATCH_MESSAGE, RequestCode.SEND_REPLY_MESSAGE, RequestCode.SEND_REPLY_MESSAGE_V2);

    private final BackendForwarder forwarder;
    private final BackendRoutes routes;
    private final TimedSends timedSends;
    private final SundialMetrics metrics;
    private final InflightBudget budget;
    private final SendCheck check;

    SendProcessor(BackendForwarder forwarder, BackendRoutes routes, TimedSends timedSends, SundialMetrics metrics,
                  InflightBudget budget, SendCheck check) {
        this.forwarder = forwarder;
        this.routes = routes;
        this.timedSends = timedSends;
        this.metrics = metrics;
        this.budget = budget;
        this.check = check;
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) throws Exception {
        CompletableFuture<RemotingCommand> answer;
        try {
            answer = process(ctx, request);
        } catch (Exception | Error e) {
            budget.release(request);
            throw e;
        }
        answer.whenComplete((response, error) -> {
            budget.release(request);
            RemotingCommand r = error == null ? response
                    : Responses.error(ResponseCode.SYSTEM_ERROR, String.valueOf(error));
            if (r != null) {
                Responses.write(ctx.channel(), request, r);
            }
        });
        return null;
    }

    /** The send's answer, once stored or passed through; a null answer (oneway pass-through) is not written. */
    private CompletableFuture<RemotingCommand> process(ChannelHandlerContext ctx, RemotingCommand request)
            throws Exception {
        SendMessageRequestHeader header;
        try {
            header = SendCheck.header(request);
        } catch (MalformedSendException e) {
            metrics.rejected("invalid");
            return CompletableFuture.completedFuture(Responses.error(ResponseCode.INVALID_PARAMETER,
                    e.getMessage()));
        }
        RemotingCommand refusal = check.refusal(request, header);
        if (refusal != null) {
            metrics.rejected(reason(refusal.getCode()));
            return CompletableFuture.completedFuture(refusal);
        }
        int mergedQueueId = placeOnMergedRoute(request, header);
        CompletableFuture<RemotingCommand> answer = storeOrPass(ctx, request, header);
        return mergedQueueId < 0 ? answer : answer.thenApply(r -> answeredOnQueue(r, mergedQueueId));
    }

    private CompletableFuture<RemotingCommand> storeOrPass(ChannelHandlerContext ctx, RemotingCommand request,
                                                           SendMessageRequestHeader header) throws Exception {
        if (isReply(request)) {
            // The broker pushes a reply to its requester's own connection, and keeps no timers for replies.
            metrics.passedThrough();
            return passThrough(header, request);
        }
        if (isRequest(header)) {
            metrics.rejected("request_reply");
            return CompletableFuture.completedFuture(Responses.error(ResponseCode.MESSAGE_ILLEGAL, "request-reply"
                    + " requests are not supported through Sundial: the broker pushes the reply to the connection"
                    + " the requester registered on, which is Sundial's; send requests to the cluster's name server"
                    + " directly (responders may send their replies through Sundial)"));
        }
        if (isTransactional(header)) {
            metrics.rejected("transactional");
            return CompletableFuture.completedFuture(Responses.error(ResponseCode.MESSAGE_ILLEGAL, "transactional"
                    + " messages are not supported through Sundial: the broker's transaction check-back cannot"
                    + " reach the producer; send them to the cluster's name server directly"));
        }
        TimedSends.Decision decision = timedSends.decide(request, header,
                RemotingHelper.parseChannelRemoteAddr(ctx.channel()));
        if (decision instanceof TimedSends.Decision.Answer answer) {
            return answer.response().whenComplete((response, error) -> {
                int code = error == null ? response.getCode() : ResponseCode.SYSTEM_ERROR;
                if (code != ResponseCode.SUCCESS) {
                    metrics.rejected(reason(code));
                }
            });
        }
        metrics.passedThrough();
        return passThrough(header, ((TimedSends.Decision.Forward) decision).request());
    }

    /** Passes {@code outgoing} to the broker the producer chose. */
    private CompletableFuture<RemotingCommand> passThrough(SendMessageRequestHeader header, RemotingCommand outgoing) {
        String brokerName = brokerFor(header);
        if (brokerName == null) {
            return CompletableFuture.completedFuture(Responses.error(ResponseCode.SERVICE_NOT_AVAILABLE,
                    "no backend broker of topic " + header.getTopic() + " has queue " + header.getQueueId()));
        }
        return forwarder.forward(brokerName, header.getTopic(), outgoing);
    }

    /**
     * A send to a queue of a merged route ({@link LegacyRoutes}) is moved, header and request fields both, to the
     * broker group and queue that queue stands for. Returns the queue id the producer chose, to be given back in
     * the answer, or -1 when the send is left as it came.
     */
    private int placeOnMergedRoute(RemotingCommand request, SendMessageRequestHeader header) {
        if (!LegacyRoutes.placesFor(request, header.getBrokerName())) {
            return -1;
        }
        TopicRouteData route = routeOf(header);
        LegacyRoutes.Placement placement = route == null ? null : LegacyRoutes.place(route, header.getQueueId());
        if (placement == null) {
            return -1;
        }
        int chosen = header.getQueueId();
        header.setBrokerName(placement.brokerName());
        header.setQueueId(placement.queueId());
        Map<String, String> fields = request.getExtFields();
        boolean v2 = request.getCode() != RequestCode.SEND_MESSAGE
                && request.getCode() != RequestCode.SEND_REPLY_MESSAGE;
        fields.put(v2 ? "e" : "queueId", Integer.toString(placement.queueId()));
        String brokerField = v2 ? "n" : "bname";
        if (fields.containsKey(brokerField)) {
            fields.put(brokerField, placement.brokerName());
        }
        return chosen;
    }

    /** {@code response} showing the queue id the producer chose on its merged route. */
    private static RemotingCommand answeredOnQueue(RemotingCommand response, int mergedQueueId) {
        if (response == null) {
            return null;
        }
        if (response.readCustomHeader() instanceof SendMessageResponseHeader h) {
            h.setQueueId(mergedQueueId);
        } else if (response.getExtFields() != null && response.getExtFields().containsKey("queueId")) {
            response.getExtFields().put("queueId", Integer.toString(mergedQueueId));
        }
        return response;
    }

    /**
     * The route of the send's topic; for a topic the backend does not have yet but creates at its first send, the
     * route it gets then, reckoned from the default topic's as the stock client does (decision 0034). Null if
     * neither.
     */
    private TopicRouteData routeOf(SendMessageRequestHeader header) {
        TopicRouteData route = routes.cachedRoute(header.getTopic());
        if (route != null) {
            return route;
        }
        RouteAnswer answer = routes.route(header.getTopic()).join();
        String defaultTopic = header.getDefaultTopic();
        if (answer.found() || answer.code() != ResponseCode.TOPIC_NOT_EXIST || defaultTopic == null
                || defaultTopic.isEmpty()) {
            return answer.route();
        }
        Integer queueNums = header.getDefaultTopicQueueNums();
        return routes.route(defaultTopic).join().autoCreatedRoute(queueNums == null ? 0 : queueNums);
    }

    /** The metric tag of a refusal. */
    private static String reason(int code) {
        return switch (code) {
            case ResponseCode.MESSAGE_ILLEGAL -> "illegal";
            case ResponseCode.INVALID_PARAMETER -> "invalid";
            case ResponseCode.NO_PERMISSION -> "forbidden";
            case ResponseCode.TOPIC_NOT_EXIST -> "topic_not_exist";
            case ResponseCode.SYSTEM_BUSY -> "busy";
            case ResponseCode.QUERY_NOT_FOUND, ResponseCode.ILLEGAL_OPERATION -> "marker_unmatched";
            default -> "error";
        };
    }

    private static boolean isTransactional(SendMessageRequestHeader header) {
        return (header.getSysFlag() & MessageSysFlag.TRANSACTION_PREPARED_TYPE) != 0
                || Boolean.parseBoolean(property(header, MessageConst.PROPERTY_TRANSACTION_PREPARED));
    }

    private static boolean isReply(RemotingCommand request) {
        return request.getCode() == RequestCode.SEND_REPLY_MESSAGE
                || request.getCode() == RequestCode.SEND_REPLY_MESSAGE_V2;
    }

    /** A request of {@code producer.request}: the client names itself as the one to reply to. */
    private static boolean isRequest(SendMessageRequestHeader header) {
        return property(header, MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT) != null;
    }

    /** One property of the send, or null; most sends carry none of the names looked for, so the string goes first. */
    private static String property(SendMessageRequestHeader header, String name) {
        String props = header.getProperties();
        if (props == null || !props.contains(name)) {
            return null;
        }
        Map<String, String> map = MessageDecoder.string2messageProperties(props);
        return map.get(name);
    }

    /**
     * The broker the producer chose. Clients before 4.9.5 name none: a send to a merged route was placed already;
     * otherwise (one writable broker group, or a signed send) the first broker of the topic's route with a
     * writable queue of that id (docs/compatibility.md).
     */
    private String brokerFor(SendMessageRequestHeader header) {
        if (header.getBrokerName() != null && !header.getBrokerName().isEmpty()) {
            return header.getBrokerName();
        }
        TopicRouteData route = routeOf(header);
        if (route == null) {
            return null;
        }
        for (QueueData q : route.getQueueDatas()) {
            if (q.getWriteQueueNums() > header.getQueueId()) {
                return q.getBrokerName();
            }
        }
        return null;
    }

    @Override
    public boolean rejectRequest() {
        return false;
    }
}
