package io.sundial.proxy.dispatch;

import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.BrokerGate;
import io.sundial.proxy.route.RouteAnswer;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.Dispatcher;
import io.sundial.store.service.DueTimer;
import io.sundial.store.service.Lane;
import io.sundial.store.service.Outcome;
import io.sundial.store.time.Clock;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.SerializeType;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeaderV2;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Re-publishes due timers to their real topic, to the broker and queue the producer chose, through the
 * remoting client's low-level send (never {@code DefaultMQProducer.send}, which would compress a compressed
 * body again and overwrite flags). A lane is a queue number, which every broker group of the topic has, so a call's
 * timers are first split by broker (each broker's queue has its own order; a producer's round-robin alternates
 * between the groups, so in due order they alternate too); each broker's timers go in due order, consecutive ones
 * that share sysFlag and reconsume times as one batch send, and the brokers' sends go side by side (decision 0043).
 * After a failed run, the later runs of the same broker answer Retry without being sent.
 *
 * <p>Outcomes: stored (SUCCESS, or the flush/slave timeouts that still store) is Delivered. {@code NO_PERMISSION}
 * (a write-disabled topic or broker) tries another writable queue of the topic; with none, and for a topic the
 * backend does not have and would not create at its first send, or a message it refuses, the timer is parked,
 * never dropped; a topic the backend would create is sent as the stock client sends it then. A broker's refusal
 * that the stock client retries on another broker (busy, not available, a store error) sends the run to another
 * broker group of the topic that answers, as the client would, and is Retry only when there is none or it fails
 * too; while that broker refuses, its runs go to the other group first, and it is offered one now and then
 * ({@link BrokerRefusals}). Anything else (network, timeout) is Retry; after a failure in transport the broker
 * gets no more sends until it answers a probe ({@link BrokerGate}), so that a frozen broker does not receive one
 * copy per retry. Meanwhile its timers go to another broker group of the topic that answers, if there is one
 * (decision 0042), so that they are not late for as long as the broker is out. Thread-safe.
 */
public final class Republisher implements Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Republisher.class);
    /** Bytes one batch send carries at most; a single larger message is sent alone. */
    static final long MAX_BATCH_BYTES = 1 << 20;
    /** The stock producer's {@code defaultTopicQueueNums}, for a message stored without one. */
    private static final int DEFAULT_TOPIC_QUEUE_NUMS = 4;

    private final RemotingClient client;
    private final BackendRoutes routes;
    private final long timeoutMs;
    private final BrokerGate gate;
    private final BrokerRefusals refusals;

    /** {@code clock} times how often a refusing broker is offered a run again. */
    public Republisher(RemotingClient client, BackendRoutes routes, BrokerGate gate, long timeoutMs, Clock clock) {
        this.client = client;
        this.routes = routes;
        this.timeoutMs = timeoutMs;
        this.gate = gate;
        this.refusals = new BrokerRefusals(clock);
    }

    @Override
    public CompletionStage<List<Outcome>> dispatch(Lane lane, List<DueTimer> timers) {
        return routes.route(lane.topic()).thenCompose(answer -> {
            if (answer.found()) {
                return sendRuns(lane, answer.route(), timers);
            }
            if (answer.code() == ResponseCode.TOPIC_NOT_EXIST) {
                return sendCreating(lane, timers, answer);
            }
            return noRoute(lane, timers, answer);
        });
    }

    /**
     * A topic the backend does not have yet, on a backend that creates topics at their first send: sent by the
     * route the topic gets then (reckoned from the default topic's, as the stock client does), with the default
     * topic in the header so that the broker creates it. Without auto-creation, see {@link #noRoute}.
     */
    private CompletableFuture<List<Outcome>> sendCreating(Lane lane, List<DueTimer> timers, RouteAnswer missing) {
        TimerMessage first = timers.get(0).message();
        return routes.route(defaultTopic(first)).thenCompose(defaultRoute -> {
            TopicRouteData created = defaultRoute.autoCreatedRoute(defaultTopicQueueNums(first));
            if (created == null) {
                return noRoute(lane, timers, missing);
            }
            // Whatever the outcome, the next batch asks the name server again: the topic may exist by then.
            return sendRuns(lane, created, timers)
                    .whenComplete((outcomes, error) -> routes.invalidate(lane.topic()));
        });
    }

    private static String defaultTopic(TimerMessage m) {
        return m.defaultTopic().isEmpty() ? TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC : m.defaultTopic();
    }

    private static int defaultTopicQueueNums(TimerMessage m) {
        return m.defaultTopicQueueNums() > 0 ? m.defaultTopicQueueNums() : DEFAULT_TOPIC_QUEUE_NUMS;
    }

    /**
     * The outcome of every timer of a lane whose topic has no route: parked if the topic does not exist and the
     * backend would not create it — unless the name server knows no broker at all: a stopped broker unregisters
     * and takes every route with it, so that is an outage, retried, not a deleted topic.
     */
    private CompletableFuture<List<Outcome>> noRoute(Lane lane, List<DueTimer> timers, RouteAnswer answer) {
        CompletableFuture<Outcome> outcome;
        if (answer.code() != ResponseCode.TOPIC_NOT_EXIST) {
            outcome = CompletableFuture.completedFuture(Outcome.retry("no route for topic " + lane.topic() + ": "
                    + answer.code() + " " + answer.remark()));
        } else {
            outcome = routes.anyBroker().thenApply(any -> any
                    ? Outcome.park("topic " + lane.topic() + " does not exist on the backend: " + answer.remark())
                    : Outcome.retry("the backend has no broker registered (outage): topic " + lane.topic()
                            + " has no route"));
        }
        return outcome.thenApply(o -> Collections.nCopies(timers.size(), o));
    }

    /**
     * Each broker's timers of the call as one sequence of runs, the brokers' sequences side by side; the outcomes
     * are put back in the call's order.
     */
    private CompletableFuture<List<Outcome>> sendRuns(Lane lane, TopicRouteData route, List<DueTimer> timers) {
        if (oneBroker(timers)) {
            return sendRuns(lane, route, runs(timers), 0, new ArrayList<>(timers.size()));
        }
        Map<String, List<Integer>> byBroker = byBroker(timers);
        Outcome[] outcomes = new Outcome[timers.size()];
        List<CompletableFuture<Void>> sent = new ArrayList<>(byBroker.size());
        for (List<Integer> positions : byBroker.values()) {
            List<DueTimer> its = new ArrayList<>(positions.size());
            positions.forEach(i -> its.add(timers.get(i)));
            sent.add(sendRuns(lane, route, runs(its), 0, new ArrayList<>(its.size())).thenAccept(theirs -> {
                for (int j = 0; j < theirs.size(); j++) {
                    outcomes[positions.get(j)] = theirs.get(j);
                }
            }));
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).thenApply(v -> Arrays.asList(outcomes));
    }

    /** All for one broker: a topic on one group, the common case, needs no split. */
    private static boolean oneBroker(List<DueTimer> timers) {
        String first = timers.get(0).message().brokerName();
        for (DueTimer t : timers) {
            if (!t.message().brokerName().equals(first)) {
                return false;
            }
        }
        return true;
    }

    /** The positions of the call's timers, by the broker their producer chose, in the call's order. */
    private static Map<String, List<Integer>> byBroker(List<DueTimer> timers) {
        Map<String, List<Integer>> byBroker = new LinkedHashMap<>();
        for (int i = 0; i < timers.size(); i++) {
            byBroker.computeIfAbsent(timers.get(i).message().brokerName(), b -> new ArrayList<>()).add(i);
        }
        return byBroker;
    }

    /**
     * Sends one broker's runs one after another. A run that fails holds back the later runs (answered Retry, so that
     * the broker's queue keeps its order).
     */
    private CompletableFuture<List<Outcome>> sendRuns(Lane lane, TopicRouteData route, List<List<DueTimer>> runs,
                                                      int index, List<Outcome> outcomes) {
        if (index == runs.size()) {
            return CompletableFuture.completedFuture(outcomes);
        }
        List<DueTimer> run = runs.get(index);
        return sendRun(lane, route, run, false).thenCompose(outcome -> {
            outcomes.addAll(Collections.nCopies(run.size(), outcome));
            if (outcome instanceof Outcome.Delivered) {
                return sendRuns(lane, route, runs, index + 1, outcomes);
            }
            int held = runs.subList(index + 1, runs.size()).stream().mapToInt(List::size).sum();
            outcomes.addAll(Collections.nCopies(held, Outcome.retry("an earlier timer of the lane for broker "
                    + run.get(0).message().brokerName() + " failed")));
            return CompletableFuture.completedFuture(outcomes);
        });
    }

    /**
     * Consecutive timers sharing broker, sysFlag and reconsume times, at most {@link #MAX_BATCH_BYTES} together:
     * what one batch send can carry (the broker refuses a batch over its maxMessageSize, 4 MiB by default).
     */
    static List<List<DueTimer>> runs(List<DueTimer> timers) {
        List<List<DueTimer>> runs = new ArrayList<>();
        List<DueTimer> current = null;
        long bytes = 0;
        for (DueTimer t : timers) {
            long size = approximateSize(t.message());
            if (current == null || !sameBatch(current.get(0).message(), t.message())
                    || bytes + size > MAX_BATCH_BYTES) {
                current = new ArrayList<>();
                runs.add(current);
                bytes = 0;
            }
            current.add(t);
            bytes += size;
        }
        return runs;
    }

    /** A message's share of a batch body: body, properties and the fixed fields, rounded up. */
    private static long approximateSize(TimerMessage m) {
        return m.body().length + 2L * m.properties().length() + 128;
    }

    private static boolean sameBatch(TimerMessage a, TimerMessage b) {
        return a.brokerName().equals(b.brokerName()) && a.sysFlag() == b.sysFlag()
                && a.reconsumeTimes() == b.reconsumeTimes();
    }

    private CompletableFuture<Outcome> sendRun(Lane lane, TopicRouteData route, List<DueTimer> run,
                                               boolean elsewhere) {
        TimerMessage first = run.get(0).message();
        Target target = elsewhere ? otherWritable(route, first.brokerName(), lane.queueId())
                : target(route, first.brokerName(), lane.queueId());
        if (target == null) {
            return CompletableFuture.completedFuture(elsewhere
                    ? Outcome.park("topic " + lane.topic() + " has no writable queue on the backend (NO_PERMISSION)")
                    : Outcome.park("topic " + lane.topic() + " has no writable queue on the backend"));
        }
        String addr = routes.masterAddr(target.brokerName);
        if (addr == null) {
            return CompletableFuture.completedFuture(Outcome.retry("no master address for broker "
                    + target.brokerName));
        }
        if (!target.brokerName.equals(first.brokerName()) || target.queueId != lane.queueId()) {
            LOG.info("Re-publishing {} timers of {} to {} queue {} instead of {} queue {}", run.size(), lane.topic(),
                    target.brokerName, target.queueId, first.brokerName(), lane.queueId());
        }
        if (!elsewhere && refusals.avoid(target.brokerName)) {
            Target other = answeringElsewhere(route, target, lane.queueId(), true);
            String otherAddr = other == null ? null : routes.masterAddr(other.brokerName);
            if (otherAddr != null) {
                LOG.debug("Re-publishing {} timers of {} to {} queue {}: broker {} is refusing them", run.size(),
                        lane.topic(), other.brokerName, other.queueId, target.brokerName);
                return send(lane, route, run, true, other, otherAddr);
            }
        }
        Target refuge = elsewhere || !gate.isSilent(addr) ? null
                : answeringElsewhere(route, target, lane.queueId(), false);
        // With another broker group to take the run, the silent one gets a short wait, not the probe's whole timeout.
        CompletableFuture<Boolean> reach = refuge != null ? gate.mayReachSoon(addr) : gate.mayReach(addr);
        return reach.thenCompose(reachable -> {
            if (reachable) {
                return send(lane, route, run, elsewhere, target, addr);
            }
            String refugeAddr = refuge == null ? null : routes.masterAddr(refuge.brokerName);
            if (refugeAddr != null && !gate.isSilent(refugeAddr)) {
                LOG.debug("Re-publishing {} timers of {} to {} queue {}: broker {} is silent", run.size(),
                        lane.topic(), refuge.brokerName, refuge.queueId, target.brokerName);
                return send(lane, route, run, true, refuge, refugeAddr);
            }
            return CompletableFuture.completedFuture(Outcome.retry("broker at " + addr + " has not answered since"
                    + " a send to it failed; it did not answer a probe either"));
        });
    }

    /**
     * A writable queue of the topic on another broker group whose master is not known to be silent (and, if
     * {@code notRefusing}, did not refuse its last run), for the timers of a silent or refusing broker: the lane's
     * queue number, folded into that group's queues. Null if none.
     */
    private Target answeringElsewhere(TopicRouteData route, Target silent, int queueId, boolean notRefusing) {
        for (QueueData q : route.getQueueDatas()) {
            if (q.getBrokerName().equals(silent.brokerName) || !PermName.isWriteable(q.getPerm())
                    || q.getWriteQueueNums() == 0 || notRefusing && refusals.isRefusing(q.getBrokerName())) {
                continue;
            }
            String addr = routes.masterAddr(q.getBrokerName());
            if (addr != null && !gate.isSilent(addr)) {
                return new Target(q.getBrokerName(), Math.floorMod(queueId, q.getWriteQueueNums()));
            }
        }
        return null;
    }

    private CompletableFuture<Outcome> send(Lane lane, TopicRouteData route, List<DueTimer> run, boolean elsewhere,
                                            Target target, String addr) {
        RemotingCommand request = request(lane.topic(), target.brokerName, target.queueId, run);
        return client.invoke(addr, request, timeoutMs).handle((response, error) -> {
            if (error != null) {
                gate.sendFailed(addr, "a re-publish", error);
                routes.invalidate(lane.topic());
                return CompletableFuture.completedFuture(Outcome.retry("send to " + addr + " failed: " + error));
            }
            Outcome o = outcome(lane, response);
            if (o == NO_PERMISSION && !elsewhere) {
                routes.invalidate(lane.topic());
                return sendRun(lane, route, run, true);
            }
            if (o == NO_PERMISSION) {
                return CompletableFuture.completedFuture(Outcome.park("the backend refused writes to topic "
                        + lane.topic() + " (NO_PERMISSION: " + response.getRemark() + ")"));
            }
            if (o instanceof Outcome.Delivered) {
                refusals.took(target.brokerName);
                return CompletableFuture.completedFuture(o);
            }
            if (!RETRIED_ELSEWHERE.contains(response.getCode())) {
                return CompletableFuture.completedFuture(o);
            }
            refusals.refused(target.brokerName, addr, "code " + response.getCode() + " " + response.getRemark());
            return elsewhere ? CompletableFuture.completedFuture(o) : sendRefused(lane, route, run, target, o);
        }).thenCompose(f -> f);
    }

    /**
     * The answers the stock producer retries on another broker rather than on the same one (its default
     * {@code retryResponseCodes}, less those handled on their own): the broker's trouble, not the message's.
     */
    private static final Set<Integer> RETRIED_ELSEWHERE = Set.of(ResponseCode.SYSTEM_BUSY,
            ResponseCode.SERVICE_NOT_AVAILABLE, ResponseCode.SYSTEM_ERROR);

    /**
     * A run its broker refused: sent to another group of the topic that answers, as the stock client retries it,
     * so that the lane does not back off while the broker's trouble lasts. Its refusal is the outcome if there is no
     * such group or that group does not store it either.
     */
    private CompletableFuture<Outcome> sendRefused(Lane lane, TopicRouteData route, List<DueTimer> run,
                                                   Target refused, Outcome refusal) {
        Target refuge = answeringElsewhere(route, refused, lane.queueId(), false);
        String refugeAddr = refuge == null ? null : routes.masterAddr(refuge.brokerName);
        if (refugeAddr == null) {
            return CompletableFuture.completedFuture(refusal);
        }
        LOG.debug("Re-publishing {} timers of {} to {} queue {}: broker {} refused them", run.size(), lane.topic(),
                refuge.brokerName, refuge.queueId, refused.brokerName);
        return send(lane, route, run, true, refuge, refugeAddr)
                .thenApply(moved -> moved instanceof Outcome.Delivered ? moved : refusal);
    }

    private static final Outcome NO_PERMISSION = Outcome.retry("NO_PERMISSION");

    private static Outcome outcome(Lane lane, RemotingCommand response) {
        return switch (response.getCode()) {
            case ResponseCode.SUCCESS, ResponseCode.FLUSH_DISK_TIMEOUT, ResponseCode.FLUSH_SLAVE_TIMEOUT,
                    ResponseCode.SLAVE_NOT_AVAILABLE -> Outcome.delivered();
            case ResponseCode.NO_PERMISSION -> NO_PERMISSION;
            case ResponseCode.MESSAGE_ILLEGAL, ResponseCode.TOPIC_NOT_EXIST -> Outcome.park("the backend refused"
                    + " the message for topic " + lane.topic() + ": code " + response.getCode() + " "
                    + response.getRemark());
            default -> Outcome.retry("the backend answered code " + response.getCode() + " "
                    + response.getRemark());
        };
    }

    /**
     * The send for one run. Binary (ROCKETMQ) header serialization rather than the client's default JSON: the
     * broker decodes it without a JSON parse and answers in the same type, so neither side parses JSON on the
     * re-publish path (every broker since 4.0 reads both).
     */
    static RemotingCommand request(String topic, String brokerName, int queueId, List<DueTimer> run) {
        TimerMessage first = run.get(0).message();
        SendMessageRequestHeader h = new SendMessageRequestHeader();
        h.setProducerGroup(first.producerGroup().isEmpty() ? "SUNDIAL_REPUBLISHER" : first.producerGroup());
        h.setTopic(topic);
        h.setDefaultTopic(defaultTopic(first));
        h.setDefaultTopicQueueNums(defaultTopicQueueNums(first));
        h.setQueueId(queueId);
        h.setSysFlag(first.sysFlag());
        h.setBornTimestamp(first.bornTimestamp());
        h.setReconsumeTimes(first.reconsumeTimes());
        h.setUnitMode(false);
        h.setBrokerName(brokerName);
        RemotingCommand request;
        if (run.size() == 1) {
            h.setFlag(first.flag());
            h.setProperties(RepublishedMessage.properties(run.get(0)));
            h.setBatch(false);
            request = RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE_V2,
                    SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2(h));
            request.setBody(first.body());
        } else {
            h.setFlag(0);
            h.setProperties("");
            h.setBatch(true);
            request = RemotingCommand.createRequestCommand(RequestCode.SEND_BATCH_MESSAGE,
                    SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2(h));
            request.setBody(BatchBody.encode(run));
        }
        request.setSerializeTypeCurrentRPC(SerializeType.ROCKETMQ);
        return request;
    }

    /** The producer's broker and queue if it can still take writes, else the first writable queue. */
    private static Target target(TopicRouteData route, String brokerName, int queueId) {
        for (QueueData q : route.getQueueDatas()) {
            if (q.getBrokerName().equals(brokerName) && PermName.isWriteable(q.getPerm())
                    && queueId < q.getWriteQueueNums()) {
                return new Target(brokerName, queueId);
            }
        }
        return otherWritable(route, null, -1);
    }

    /** A writable queue other than {@code (brokerName, queueId)}; null if the topic has none. */
    private static Target otherWritable(TopicRouteData route, String brokerName, int queueId) {
        for (QueueData q : route.getQueueDatas()) {
            if (!PermName.isWriteable(q.getPerm()) || q.getWriteQueueNums() == 0) {
                continue;
            }
            for (int i = 0; i < q.getWriteQueueNums(); i++) {
                if (!(q.getBrokerName().equals(brokerName) && i == queueId)) {
                    return new Target(q.getBrokerName(), i);
                }
            }
        }
        return null;
    }

    private record Target(String brokerName, int queueId) {
    }
}
