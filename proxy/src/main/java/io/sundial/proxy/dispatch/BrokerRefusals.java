package io.sundial.proxy.dispatch;

import io.sundial.store.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which brokers are refusing re-publishes now (busy, not available, a store error). Such a broker refuses every
 * batch for as long as its trouble lasts, so the log says so once, with its answer, when it starts refusing, and
 * once when it takes a batch again; in between its refused timers are counted as moved or retried by the
 * dispatcher's metrics.
 *
 * <p>While it refuses, its runs go straight to another broker group where there is one ({@link #avoid}), as the
 * stock producer's fault strategy avoids a broker that failed, rather than each run first costing it a refused round
 * trip; one run per {@link #PROBE_INTERVAL_NANOS} still goes to it, to see whether it takes them again (decision
 * 0045). Thread-safe.
 */
final class BrokerRefusals {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerRefusals.class);
    /** How often a refusing broker is offered a run: a busy broker's trouble lasts from milliseconds to minutes. */
    static final long PROBE_INTERVAL_NANOS = 1_000_000_000L;

    private final Clock clock;
    /** A refusing broker, and when (monotonic ns) it is next offered a run. */
    private final Map<String, Long> refusing = new ConcurrentHashMap<>();

    BrokerRefusals(Clock clock) {
        this.clock = clock;
    }

    /** {@code broker} refused a run with {@code answer}; true if it took them until now (and this was logged). */
    boolean refused(String broker, String addr, String answer) {
        if (refusing.put(broker, clock.monoNanos() + PROBE_INTERVAL_NANOS) != null) {
            return false;
        }
        LOG.warn("Broker {} ({}) refuses re-publishes: {}; its timers go to another broker group of their topic"
                + " where one answers, else wait and are retried; it is offered a batch again every {} ms (logged"
                + " again when it takes them)", broker, addr, answer, PROBE_INTERVAL_NANOS / 1_000_000);
        return true;
    }

    /** {@code broker} took a run; true if it had been refusing (and its recovery was logged). */
    boolean took(String broker) {
        if (refusing.isEmpty() || refusing.remove(broker) == null) {
            return false;
        }
        LOG.info("Broker {} takes re-publishes again", broker);
        return true;
    }

    /** Whether {@code broker} refused its last run. */
    boolean isRefusing(String broker) {
        return !refusing.isEmpty() && refusing.containsKey(broker);
    }

    /**
     * Whether a run for {@code broker} should go elsewhere without being offered to it: it is refusing, and it is not
     * yet time to offer it one. When it is time, the one caller that takes the turn is answered false.
     */
    boolean avoid(String broker) {
        if (refusing.isEmpty()) {
            return false;
        }
        Long next = refusing.get(broker);
        if (next == null) {
            return false;
        }
        long now = clock.monoNanos();
        return now - next < 0 || !refusing.replace(broker, next, now + PROBE_INTERVAL_NANOS);
    }
}
