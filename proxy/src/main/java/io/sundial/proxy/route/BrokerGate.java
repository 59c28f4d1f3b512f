package io.sundial.proxy.route;

import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keeps sends away from a broker that stopped answering, for re-publishing and pass-through alike (one gate per
 * Sundial). A send that failed in transport (timed out, refused, connection lost) makes its broker
 * <em>silent</em>; before the next send to a silent broker, one probe — a request without side effects — must be
 * answered (any answer will do). Why: a frozen broker (GC pause, SIGSTOP, a stalled disk) keeps reading requests
 * into its socket buffer and stores every one of them when it thaws, so each retry sent into the silence became
 * one more copy of the same messages; and a producer's send into the silence waits out its whole timeout instead
 * of retrying on another broker. Probes are shared: one in flight per broker whatever the number of sends waiting
 * for it. Thread-safe.
 */
public final class BrokerGate {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerGate.class);
    /** GET_BROKER_CONFIG: answered by any broker at once, stores nothing (a refusal still proves it answers). */
    private static final int PROBE_CODE = RequestCode.GET_BROKER_CONFIG;
    /**
     * How long a send that could go elsewhere waits for a silent broker's probe (a producer's pass-through send,
     * a re-publish with another broker group to take it): a broker back from a pause answers well within it.
     */
    private static final long PROBE_WAIT_MS = 200;

    private final RemotingClient client;
    private final long timeoutMs;
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<Boolean>> probes = new ConcurrentHashMap<>();

    public BrokerGate(RemotingClient client, long timeoutMs) {
        this.client = client;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Completes true when a send to {@code addr} may go: at once unless it is silent, else once it answers a probe.
     * The future may be shared with other callers: do not complete it.
     */
    public CompletableFuture<Boolean> mayReach(String addr) {
        if (!silent.contains(addr)) {
            return CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Boolean> mine = new CompletableFuture<>();
        CompletableFuture<Boolean> running = probes.putIfAbsent(addr, mine);
        if (running != null) {
            return running;
        }
        // Registered before the probe starts, so that a probe failing at once is still removed (and retried later).
        probe(addr).whenComplete((answered, e) -> {
            probes.remove(addr, mine);
            mine.complete(e == null && answered);
        });
        return mine;
    }

    /**
     * As {@link #mayReach}, for a send that could go elsewhere: false if a silent broker has not answered its probe
     * within {@link #PROBE_WAIT_MS}, rather than after the probe's whole timeout.
     */
    public CompletableFuture<Boolean> mayReachSoon(String addr) {
        CompletableFuture<Boolean> shared = mayReach(addr);
        // A copy: the probe's future is shared with every other send waiting for it.
        return shared.isDone() ? shared
                : shared.copy().completeOnTimeout(false, PROBE_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<Boolean> probe(String addr) {
        try {
            return client.invoke(addr, RemotingCommand.createRequestCommand(PROBE_CODE, null), timeoutMs)
                    .handle((response, error) -> {
                        if (error == null && silent.remove(addr)) {
                            LOG.info("Broker at {} answers again: sends to it resume", addr);
                        }
                        return error == null;
                    });
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(false);
        }
    }

    /**
     * A send to {@code addr} ({@code what}: "a re-publish", "a pass-through send") failed in transport: nothing
     * more goes there until it answers a probe.
     */
    public void sendFailed(String addr, String what, Throwable cause) {
        if (silent.add(addr)) {
            LOG.warn("Broker at {} did not answer {} ({}): re-publishes and pass-through sends to it are held until it"
                    + " answers a probe", addr, what, cause.toString());
        }
    }

    public boolean isSilent(String addr) {
        return silent.contains(addr);
    }
}
