package io.sundial.proxy.dispatch;

import io.sundial.proxy.admission.DeliveryTimeParser;
import io.sundial.store.record.MessageProperties;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.DueTimer;

import java.util.HashSet;
import java.util.Set;

/**
 * The message as the backend receives it when a timer fires: the producer's properties, flag and body exactly as
 * stored (a compressed body stays compressed), without the properties that would make the broker delay it
 * again, and with Sundial's own properties recording the producer's born host and time (the broker takes both
 * from Sundial's connection) and the intended and actual delivery times.
 *
 * <p>The properties are rewritten as a string, pair by pair, rather than parsed into a map and encoded again: that
 * round trip was a third of a dispatch thread's CPU in a burst (JFR, 100,000 timers due at once). The broker reads
 * them into a map, so pair order carries no meaning.
 */
final class RepublishedMessage {
    /** The producer's address as it connected to Sundial. */
    static final String BORN_HOST = "SUNDIAL_BORN_HOST";
    /** The producer's born timestamp (batches share one in the header). */
    static final String BORN_TIMESTAMP = "SUNDIAL_BORN_TIMESTAMP";
    /** When the message was due (epoch ms). */
    static final String DUE_MS = "SUNDIAL_DUE_MS";
    /** When Sundial's wheel fired it (epoch ms). */
    static final String FIRED_MS = "SUNDIAL_FIRED_MS";

    /** Left out of the stored properties: the delays, and Sundial's own (a message that went through it before). */
    private static final String[] DROPPED = dropped();

    private RepublishedMessage() {
    }

    private static String[] dropped() {
        Set<String> names = new HashSet<>(DeliveryTimeParser.DELAY_PROPERTIES);
        names.addAll(Set.of(BORN_HOST, BORN_TIMESTAMP, DUE_MS, FIRED_MS));
        return names.toArray(String[]::new);
    }

    /** The encoded properties to send. */
    static String properties(DueTimer timer) {
        TimerMessage m = timer.message();
        String stored = m.properties();
        StringBuilder sb = new StringBuilder(stored.length() + 128);
        int start = 0;
        int length = stored.length();
        while (start < length) {
            int end = stored.indexOf(MessageProperties.PROPERTY_SEPARATOR, start);
            if (end < 0) {
                end = length;
            }
            int sep = stored.indexOf(MessageProperties.NAME_VALUE_SEPARATOR, start);
            // A pair without a name or separator is dropped, as RocketMQ's own parser drops it.
            if (sep > start && sep < end && !dropped(stored, start, sep)) {
                sb.append(stored, start, end).append(MessageProperties.PROPERTY_SEPARATOR);
            }
            start = end + 1;
        }
        append(sb, BORN_HOST, m.bornHost());
        append(sb, BORN_TIMESTAMP, Long.toString(m.bornTimestamp()));
        append(sb, DUE_MS, Long.toString(timer.entry().dueMs()));
        append(sb, FIRED_MS, Long.toString(timer.firedAtMs()));
        return sb.toString();
    }

    /** Whether the name {@code stored[start, end)} is one to drop; compared in place, no substring per pair. */
    private static boolean dropped(String stored, int start, int end) {
        for (String name : DROPPED) {
            if (name.length() == end - start && stored.startsWith(name, start)) {
                return true;
            }
        }
        return false;
    }

    private static void append(StringBuilder sb, String name, String value) {
        sb.append(name).append(MessageProperties.NAME_VALUE_SEPARATOR).append(value)
                .append(MessageProperties.PROPERTY_SEPARATOR);
    }
}
