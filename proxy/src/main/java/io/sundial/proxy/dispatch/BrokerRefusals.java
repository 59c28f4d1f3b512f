package io.sundial.proxy.dispatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which brokers are refusing re-publishes now (busy, not available, a store error). Such a broker refuses every
 * batch for as long as its trouble lasts, so the log says so once, with its answer, when it starts refusing, and
 * once when it takes a batch again; in between its refused timers are counted as moved or retried by the
 * dispatcher's metrics. Thread-safe.
 */
final class BrokerRefusals {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerRefusals.class);

    private final Set<String> refusing = ConcurrentHashMap.newKeySet();

    /** {@code broker} refused a run with {@code answer}; true if it took them until now (and this was logged). */
    boolean refused(String broker, String addr, String answer) {
        if (!refusing.add(broker)) {
            return false;
        }
        LOG.warn("Broker {} ({}) refuses re-publishes: {}; its timers go to another broker group of their topic"
                + " where one answers, else wait and are retried (logged again when it takes them)", broker, addr,
                answer);
        return true;
    }

    /** {@code broker} took a run; true if it had been refusing (and its recovery was logged). */
    boolean took(String broker) {
        if (refusing.isEmpty() || !refusing.remove(broker)) {
            return false;
        }
        LOG.info("Broker {} takes re-publishes again", broker);
        return true;
    }
}
