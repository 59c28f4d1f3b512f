package io.sundial.proxy.dispatch;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.sundial.proxy.admission.DeliveryTimeParser;
import io.sundial.store.record.MessageProperties;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.DueTimer;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The message as the backend receives it when a timer fires: the producer's properties, flag and body exactly as
 * stored (a compressed body stays compressed), without the properties that would make the broker delay it
 * again, and with Sundial's own properties recording the producer's born host and time (the broker takes both
 * from Sundial's connection) and the intended and actual delivery times.
 *
 * <p>The properties are rewritten pair by pair, rather than parsed into a map and encoded again: that round trip
 * was a third of a dispatch thread's CPU in a burst (JFR, 100,000 timers due at once). A batch writes them straight
 * into its body ({@link Properties}). The broker reads them into a map, so pair order carries no meaning.
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
        return rewrite(timer).toString();
    }

    /** Which of {@code timer}'s stored property pairs are kept, and Sundial's own to add. */
    static Properties rewrite(DueTimer timer) {
        TimerMessage m = timer.message();
        String stored = m.properties();
        int[] kept = new int[16];
        int count = 0;
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
                if (count + 2 > kept.length) {
                    kept = Arrays.copyOf(kept, kept.length * 2);
                }
                kept[count++] = start;
                kept[count++] = end;
            }
            start = end + 1;
        }
        StringBuilder added = new StringBuilder(128);
        append(added, BORN_HOST, m.bornHost());
        append(added, BORN_TIMESTAMP, m.bornTimestamp());
        append(added, DUE_MS, timer.entry().dueMs());
        append(added, FIRED_MS, timer.firedAtMs());
        return new Properties(stored, kept, count, added.toString());
    }

    /** Whether the name {@code stored[start, end)} is dropped; compared in place, as most pairs are kept. */
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

    private static void append(StringBuilder sb, String name, long value) {
        sb.append(name).append(MessageProperties.NAME_VALUE_SEPARATOR).append(value)
                .append(MessageProperties.PROPERTY_SEPARATOR);
    }

    /**
     * A re-published message's properties, written straight into a batch body in UTF-8: kept pairs of the stored
     * string, each followed by a separator, then Sundial's own. Building a string and encoding it again was two
     * more copies of every timer's properties.
     */
    static final class Properties {
        private final String stored;
        private final int[] kept;
        private final int keptEnds;
        private final String added;

        private Properties(String stored, int[] kept, int keptEnds, String added) {
            this.stored = stored;
            this.kept = kept;
            this.keptEnds = keptEnds;
            this.added = added;
        }

        /** The bytes {@link #writeTo} writes. */
        int utf8Length() {
            int n = ByteBufUtil.utf8Bytes(added);
            for (int i = 0; i < keptEnds; i += 2) {
                n += ByteBufUtil.utf8Bytes(stored, kept[i], kept[i + 1]) + 1;
            }
            return n;
        }

        /**
         * Writes them at {@code out}'s writer index. {@code out} may be exactly as large as needed: the writes
         * reserve what is left rather than Netty's worst case of 3 bytes per char.
         */
        void writeTo(ByteBuf out) {
            for (int i = 0; i < keptEnds; i += 2) {
                ByteBufUtil.reserveAndWriteUtf8(out, stored, kept[i], kept[i + 1], out.writableBytes());
                out.writeByte(MessageProperties.PROPERTY_SEPARATOR);
            }
            ByteBufUtil.reserveAndWriteUtf8(out, added, out.writableBytes());
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(stored.length() + added.length());
            for (int i = 0; i < keptEnds; i += 2) {
                sb.append(stored, kept[i], kept[i + 1]).append(MessageProperties.PROPERTY_SEPARATOR);
            }
            return sb.append(added).toString();
        }
    }
}
