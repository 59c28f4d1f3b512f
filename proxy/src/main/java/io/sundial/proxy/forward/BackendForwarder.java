package io.sundial.proxy.forward;

import io.sundial.proxy.ops.SundialMetrics;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.BrokerGate;
import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

import java.util.concurrent.CompletableFuture;

/**
 * Passes a producer's request to the master of the broker it named, unchanged but for the opaque (each
 * connection numbers its own requests, so the outgoing copy gets one of Sundial's). Header fields and body are
 * copied as they are, so a client's ACL signature stays valid. A request that cannot reach the broker is
 * answered {@code SERVICE_NOT_AVAILABLE} (14), which the stock client's synchronous send retries, never left to
 * hang. A broker that stops answering is logged when it starts failing and when it passes again
 * ({@link PassThroughFailures}), not per send.
 *
 * <p>A broker known to be silent ({@link BrokerGate}: a send to it failed in transport, and it has not answered a
 * probe since) gets no request until it answers one: the send waits for the probe a short while
 * ({@link BrokerGate#mayReachSoon}), then is answered {@code SERVICE_NOT_AVAILABLE}. The client then retries on another
 * broker within its send timeout, instead of waiting that whole timeout on the silent one (and leaving one more
 * copy in a frozen broker's socket). Oneway sends, which nobody retries, are passed as before. Thread-safe.
 */
public final class BackendForwarder {
    private final RemotingClient client;
    private final BackendRoutes routes;
    private final BrokerGate gate;
    private final long timeoutMs;
    private final PassThroughFailures failures;

    public BackendForwarder(RemotingClient client, BackendRoutes routes, BrokerGate gate, long timeoutMs,
                            SundialMetrics metrics) {
        this.client = client;
        this.routes = routes;
        this.gate = gate;
        this.timeoutMs = timeoutMs;
        this.failures = new PassThroughFailures(metrics);
    }

    /**
     * Sends {@code request} to the master of {@code brokerName}; completes with the broker's response (or a
     * Sundial error response) — never exceptionally. {@code topic} is only used to refresh its route on failure.
     */
    public CompletableFuture<RemotingCommand> forward(String brokerName, String topic, RemotingCommand request) {
        String addr = routes.masterAddr(brokerName);
        if (addr == null) {
            return CompletableFuture.completedFuture(RemotingCommand.createResponseCommand(
                    ResponseCode.SERVICE_NOT_AVAILABLE, "Sundial knows no master for broker " + brokerName
                            + " in the backend cluster; the route of topic " + topic + " will be re-read"));
        }
        RemotingCommand copy = copyOf(request);
        if (request.isOnewayRPC()) {
            try {
                client.invokeOneway(addr, copy, timeoutMs);
                failures.passed(brokerName);
            } catch (Exception e) {
                failures.failed(brokerName, addr, e);
                routes.invalidate(topic);
            }
            return CompletableFuture.completedFuture(null);
        }
        return gate.mayReachSoon(addr).thenCompose(reachable -> {
            if (reachable) {
                return send(brokerName, addr, topic, copy);
            }
            failures.failed(brokerName, addr, new IllegalStateException("broker at " + addr
                    + " has not answered since a send to it failed"));
            return CompletableFuture.completedFuture(RemotingCommand.createResponseCommand(
                    ResponseCode.SERVICE_NOT_AVAILABLE, "Sundial holds sends to broker " + brokerName + " (" + addr
                            + "): it has not answered since a send to it failed; retry on another broker"));
        });
    }

    private CompletableFuture<RemotingCommand> send(String brokerName, String addr, String topic,
                                                    RemotingCommand copy) {
        return client.invoke(addr, copy, timeoutMs).handle((response, error) -> {
            if (error == null && response != null) {
                failures.passed(brokerName);
                return response;
            }
            routes.invalidate(topic);
            Throwable cause = error == null ? new IllegalStateException("no response") : error;
            failures.failed(brokerName, addr, cause);
            gate.sendFailed(addr, "a pass-through send", cause);
            return RemotingCommand.createResponseCommand(ResponseCode.SERVICE_NOT_AVAILABLE,
                    "Sundial could not pass the send to broker " + brokerName + " (" + addr + "): " + cause);
        });
    }

    /** A copy of {@code request} with a new opaque: same code, version, language, flags, fields and body. */
    private static RemotingCommand copyOf(RemotingCommand request) {
        RemotingCommand copy = RemotingCommand.createRequestCommand(request.getCode(), null);
        copy.setLanguage(request.getLanguage());
        copy.setVersion(request.getVersion());
        copy.setFlag(request.getFlag());
        copy.setRemark(request.getRemark());
        if (request.getExtFields() != null) {
            copy.setExtFields(new java.util.HashMap<>(request.getExtFields()));
        }
        copy.setBody(request.getBody());
        copy.setSerializeTypeCurrentRPC(request.getSerializeTypeCurrentRPC());
        return copy;
    }
}
