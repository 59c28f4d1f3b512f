package io.sundial.store;

import io.sundial.store.record.LogRecord;
import io.sundial.store.record.MessageProperties;
import io.sundial.store.record.RecordCodec;
import io.sundial.store.record.TimerMessage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An append made ready on the caller's thread (unique key, fingerprint, encoding), so the single writer only
 * assigns the sequence and writes.
 */
final class PreparedAppend {
    final TimerMessage message;
    final long dueMs;
    final long enqueueMs;
    final String uniqKey;
    final long fingerprint;
    final List<String> keys;
    final ByteBuffer encoded;

    PreparedAppend(TimerMessage original, long dueMs, long enqueueMs) {
        if (dueMs < 0) {
            throw new IllegalArgumentException("due time " + dueMs + " is before the epoch");
        }
        String uniq = original.property(MessageProperties.UNIQ_KEY);
        TimerMessage m = original;
        if (uniq == null || uniq.isEmpty()) {
            uniq = UniqKeys.generate();
            m = original.withProperties(MessageProperties.with(original.properties(), MessageProperties.UNIQ_KEY,
                    uniq));
        }
        this.message = m;
        this.dueMs = dueMs;
        this.enqueueMs = enqueueMs;
        this.uniqKey = uniq;
        this.fingerprint = fingerprint(m);
        this.keys = MessageProperties.keys(m.properties());
        this.encoded = RecordCodec.encode(LogRecord.timer(0, dueMs, enqueueMs, fingerprint, uniq, m));
    }

    /**
     * Body CRC in the high half, properties CRC in the low half. Relative delay values are left out: a retry
     * repeats them, but they say nothing about which message this is.
     */
    static long fingerprint(TimerMessage m) {
        int body = RecordCodec.crc32c(m.body());
        int props = RecordCodec.crc32c(MessageProperties.withoutRelativeDelayValues(m.properties())
                .getBytes(StandardCharsets.UTF_8));
        return ((long) body << 32) | (props & 0xFFFF_FFFFL);
    }
}
