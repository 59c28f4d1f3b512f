package io.sundial.proxy.forward;

import io.sundial.proxy.ops.SundialMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which brokers pass-through sends are failing to reach now. A broker that stops answering fails every send a
 * producer retries, so the log says so once, with the cause, when it starts failing, and once when a send passes
 * again; every failure is counted in {@code sundial_sends_pass_through_failed_total}. Thread-safe.
 */
final class PassThroughFailures {
    private static final Logger LOG = LoggerFactory.getLogger(PassThroughFailures.class);

    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final SundialMetrics metrics;

    PassThroughFailures(SundialMetrics metrics) {
        this.metrics = metrics;
    }

    /** A send to {@code brokerName} failed; true if that broker was passing until now (and this was logged). */
    boolean failed(String brokerName, String addr, Throwable cause) {
        metrics.passThroughFailed();
        if (!failing.add(brokerName)) {
            return false;
        }
        LOG.warn("Pass-through sends to broker {} ({}) fail: {}; producers are answered SERVICE_NOT_AVAILABLE and"
                + " retry (logged again when one passes)", brokerName, addr, cause.toString());
        return true;
    }

    /** A send to {@code brokerName} passed; true if that broker had been failing (and its recovery was logged). */
    boolean passed(String brokerName) {
        if (failing.isEmpty() || !failing.remove(brokerName)) {
            return false;
        }
        LOG.info("Pass-through sends to broker {} pass again", brokerName);
        return true;
    }
}
