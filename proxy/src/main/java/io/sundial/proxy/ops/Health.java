package io.sundial.proxy.ops;

import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.RouteAnswer;
import io.sundial.store.TimerStore;
import io.sundial.store.config.DaemonThreads;
import io.sundial.store.service.TimerService;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether Sundial can do its job. <b>DOWN</b>: the store is closed, so nothing can be accepted (not ready).
 * <b>DEGRADED</b>: still accepting timers, which is what readiness means, but the backend name server does not
 * answer or re-publishing is failing (lanes retrying, or a retry within {@link #RETRY_MEMORY_MS}); timers wait in
 * the store and are delivered late.
 * <b>UP</b> otherwise. The backend is probed every {@link #PROBE_INTERVAL_MS} on its own thread, so a health
 * request never waits for the network. A change of state is logged once, with its reasons, by the probe that
 * sees it or by a request, whichever comes first.
 */
public final class Health implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Health.class);
    static final long PROBE_INTERVAL_MS = 2_000;
    /** A lane between two failed attempts is not backing off: a retry this recent still counts as failing. */
    static final long RETRY_MEMORY_MS = 10_000;
    private static final String PROBE_TOPIC = "TBW102";

    /** The state and why. */
    public record Report(String status, List<String> reasons) {
        public boolean ready() {
            return !status.equals("DOWN");
        }
    }

    private final TimerStore store;
    private final TimerService timers;
    private final BackendRoutes routes;
    private final long timeoutMs;
    private final ScheduledExecutorService prober;
    private volatile String backendProblem;
    private String lastStatus = "UP";
    private long lastRetried;
    private volatile long lastRetryNanos = Long.MIN_VALUE;

    public Health(TimerStore store, TimerService timers, BackendRoutes routes, long timeoutMs) {
        this.store = store;
        this.timers = timers;
        this.routes = routes;
        this.timeoutMs = timeoutMs;
        this.prober = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sundial-health-probe"));
        prober.scheduleWithFixedDelay(this::probe, 0, PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Notes when the retried counter last moved; called by the prober and by every report. */
    private synchronized void noteRetries() {
        long retried = timers.stats().retried();
        if (retried > lastRetried) {
            lastRetryNanos = System.nanoTime();
        }
        lastRetried = retried;
    }

    private void probe() {
        noteRetries();
        long waitMs = timeoutMs * routes.nameServerCount() + 1_000; // each may be asked in turn
        try {
            RouteAnswer a = routes.probe(PROBE_TOPIC).get(waitMs, TimeUnit.MILLISECONDS);
            backendProblem = a.code() == ResponseCode.SYSTEM_ERROR ? a.remark() : null;
        } catch (TimeoutException e) {
            backendProblem = "the backend name server did not answer within " + waitMs + " ms";
        } catch (Exception e) {
            backendProblem = "the backend name server did not answer: " + e;
        }
        report(); // a change is logged when it happens, not when someone next asks
    }

    /** Why the backend name server looked unreachable at the last probe (every 2 s); null if it answered. */
    public String backendProblem() {
        return backendProblem;
    }

    public synchronized Report report() {
        List<String> reasons = new ArrayList<>();
        String status;
        if (store.isClosed()) {
            status = "DOWN";
            reasons.add("the timer store is closed");
        } else {
            String backend = backendProblem;
            if (backend != null) {
                reasons.add(backend);
            }
            noteRetries();
            int retrying = timers.stats().lanesBackingOff();
            boolean recentRetry = lastRetryNanos != Long.MIN_VALUE
                    && System.nanoTime() - lastRetryNanos < TimeUnit.MILLISECONDS.toNanos(RETRY_MEMORY_MS);
            if (retrying > 0 || recentRetry) {
                reasons.add("re-publishing is failing: " + retrying + " lanes retrying, last retry within "
                        + RETRY_MEMORY_MS / 1000 + " s");
            }
            if (store.diskSpace().full()) {
                reasons.add("the store's disk is below minFreeDiskBytes: new timers are refused ("
                        + (store.diskSpace().freeBytes() >> 20) + " MB free)");
            }
            String writeFailure = store.writeFailure();
            if (writeFailure != null) {
                reasons.add("the timer log cannot be written or fsynced (" + writeFailure + "): new timers, cancels"
                        + " and reschedules are refused until it works again");
            }
            if (store.indexOutOfSpace()) {
                reasons.add("the timer index is out of space (indexMaxDiskBytes or a full disk): new timers are"
                        + " refused until it can write again");
            }
            long corrupt = store.corruptRecords().count();
            if (corrupt > 0) {
                reasons.add(corrupt + " corrupt timer-log records found since start (their timers are parked when"
                        + " due; bin/sundial admin status lists them)");
            }
            status = reasons.isEmpty() ? "UP" : "DEGRADED";
        }
        if (!status.equals(lastStatus)) {
            lastStatus = status;
            LOG.warn("Sundial health is now {}{}", status, reasons.isEmpty() ? "" : ": " + String.join("; ", reasons));
        }
        return new Report(status, List.copyOf(reasons));
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}
