package io.sundial.proxy.admin;

import io.sundial.proxy.admission.SundialIds;
import io.sundial.store.TimerId;
import io.sundial.store.TimerStore;
import io.sundial.store.index.DueEntry;
import io.sundial.store.index.ParkedTimer;
import io.sundial.store.index.StoredTimer;
import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.MessageProperties;
import io.sundial.store.record.TimerMessage;
import org.apache.rocketmq.common.compression.CompressionType;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.sysflag.MessageSysFlag;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How a stored timer is shown by {@code list}, {@code get}, {@code cancel} and friends: a JSON object of its
 * identity, message fields and state. Fields ending in {@code TimeMs} are epoch ms (the CLI adds them as ISO-8601).
 */
final class TimerViews {
    /** The most a compressed body may expand to in a view (the broker's default maxMessageSize is 4 MiB). */
    private static final int MAX_SHOWN_BODY_BYTES = 16 << 20;

    /** What a timer is doing now. */
    enum State { PENDING, OVERDUE, IN_FLIGHT, PAUSED, PARKED }

    private final TimerStore store;

    TimerViews(TimerStore store) {
        this.store = store;
    }

    static State state(TimerStore store, StoredTimer t, Set<String> paused, long nowMs) {
        DueEntry e = t.entry();
        if (t.parked()) {
            return State.PARKED;
        }
        if (store.isDelivering(TimerId.of(e))) {
            return State.IN_FLIGHT;
        }
        if (e.dueMs() <= nowMs) {
            return paused.contains(e.topic()) ? State.PAUSED : State.OVERDUE;
        }
        return State.PENDING;
    }

    /**
     * The view of one timer; with {@code full} also its properties, with {@code body} its body (decompressed,
     * as UTF-8 text when it is text, else base64).
     */
    Map<String, Object> view(StoredTimer t, Set<String> paused, long nowMs, boolean full, boolean body) {
        DueEntry e = t.entry();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("topic", e.topic());
        v.put("queueId", e.queueId());
        v.put("uniqKey", e.uniqKey());
        v.put("id", SundialIds.msgId(e.dueMs(), e.seq()));
        v.put("seq", e.seq());
        v.put("keys", String.join(" ", e.keys()));
        v.put("dueTimeMs", e.dueMs());
        v.put("state", state(store, t, paused, nowMs).name());
        if (t.parked()) {
            ParkedTimer p = store.parkedTimer(e.topic(), e.seq());
            if (p != null) {
                v.put("parkedTimeMs", p.parkedAtMs());
                v.put("parkReason", p.reason());
            }
        }
        try {
            LogRecord r = store.read(e);
            TimerMessage m = r.message();
            String tags = MessageProperties.get(m.properties(), MessageConst.PROPERTY_TAGS);
            v.put("tags", tags == null ? "" : tags);
            v.put("enqueueTimeMs", r.enqueueMs());
            v.put("bodySize", m.body().length);
            if (full) {
                v.put("queueIdSent", m.queueId());
                v.put("producerGroup", m.producerGroup());
                v.put("bornHost", m.bornHost());
                v.put("bornTimeMs", m.bornTimestamp());
                v.put("properties", new LinkedHashMap<>(MessageDecoder.string2messageProperties(m.properties())));
            }
            if (body) {
                putBody(v, m);
            }
        } catch (IOException | CorruptRecordException | RuntimeException x) {
            v.put("recordError", x.getMessage()); // shown, not hidden: the timer exists, its record did not read
        }
        return v;
    }

    private static void putBody(Map<String, Object> v, TimerMessage m) {
        byte[] bytes = m.body();
        if ((m.sysFlag() & MessageSysFlag.COMPRESSED_FLAG) != 0) {
            CompressionType type = MessageSysFlag.getCompressionType(m.sysFlag());
            v.put("bodyCompression", type.name());
            try {
                bytes = BoundedDecompression.decompress(type, bytes, MAX_SHOWN_BODY_BYTES);
            } catch (IOException | RuntimeException e) {
                // The record is sound; its body is what the producer sent, delivered as sent.
                v.put("bodyError", "could not decompress the body: " + e.getMessage());
                return;
            }
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            v.put("body", text);
        } catch (CharacterCodingException notText) {
            v.put("bodyBase64", Base64.getEncoder().encodeToString(bytes));
        }
    }
}
