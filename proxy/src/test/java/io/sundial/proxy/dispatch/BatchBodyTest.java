package io.sundial.proxy.dispatch;

import io.sundial.store.index.DueEntry;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.DueTimer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class BatchBodyTest {
    private static final char NV = '\u0001';
    private static final char PS = '\u0002';

    private static DueTimer timer(long seq, long dueMs, long firedMs, int flag, String properties, byte[] body) {
        TimerMessage m = new TimerMessage("T", 0, "a", "TBW102", 4, "g", 0, flag, 1234L, "10.0.0.7:5555", 0,
                properties, body);
        return new DueTimer(new DueEntry(dueMs, seq, 0, 100, 0, "T", "u" + seq, List.of()),
                LogRecord.timer(seq, dueMs, 1, 0, "u" + seq, m), firedMs);
    }

    private static String props(String... pairs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            sb.append(pairs[i]).append(NV).append(pairs[i + 1]).append(PS);
        }
        return sb.toString();
    }

    private static List<DueTimer> sample() {
        return List.of(
                timer(1, 5_000, 5_001, 0, props("UNIQ_KEY", "u1", "KEYS", "k1 k2", "TAGS", "t", "TIMER_DELIVER_MS",
                        "5000", "user", "värde"), "body one".getBytes(StandardCharsets.UTF_8)),
                // a message that went through Sundial before: its old Sundial properties are replaced
                timer(2, 6_000, 6_003, 7, props("DELAY", "3", "SUNDIAL_FIRED_MS", "1", "__STARTDELIVERTIME", "9")
                        + "malformed" + PS + NV + "nameless" + PS, new byte[0]),
                timer(3, 7_000, 7_000, 1, "UNIQ_KEY" + NV + "u3", new byte[4096]));
    }

    @Test
    void shouldDecodeAsTheBrokerDecodesABatch() throws Exception {
        List<DueTimer> run = sample();
        List<Message> decoded = MessageDecoder.decodeMessages(ByteBuffer.wrap(BatchBody.encode(run)));
        assertEquals(3, decoded.size());
        for (int i = 0; i < run.size(); i++) {
            DueTimer t = run.get(i);
            Message m = decoded.get(i);
            assertArrayEquals(t.message().body(), m.getBody());
            assertEquals(t.message().flag(), m.getFlag());
            assertEquals(expectedProperties(t), m.getProperties(), "timer " + i);
        }
    }

    @Test
    void shouldWriteTheSameBytesAsTheLibraryForTheSameProperties() throws Exception {
        List<DueTimer> run = sample();
        List<Message> messages = new ArrayList<>();
        for (DueTimer t : run) {
            Message m = new Message();
            m.setTopic("T");
            m.setFlag(t.message().flag());
            m.setBody(t.message().body());
            // in the order Sundial writes them, so that the library's encoding is byte for byte comparable
            Map<String, String> ordered = new LinkedHashMap<>();
            String p = RepublishedMessage.properties(t);
            for (String pair : p.split(String.valueOf(PS))) {
                int sep = pair.indexOf(NV);
                ordered.put(pair.substring(0, sep), pair.substring(sep + 1));
            }
            MessageAccessor.setProperties(m, ordered);
            messages.add(m);
        }
        assertArrayEquals(MessageDecoder.encodeMessages(messages), BatchBody.encode(run));
    }

    @Test
    void shouldDropDelaysAndAddSundialsPropertiesInTheSingleSendToo() {
        DueTimer t = sample().get(1);
        Map<String, String> sent = MessageDecoder.string2messageProperties(RepublishedMessage.properties(t));
        assertEquals(expectedProperties(t), sent);
        assertFalse(sent.containsKey("DELAY"));
        assertEquals("6003", sent.get(RepublishedMessage.FIRED_MS));
    }

    /** What the earlier map-based rewrite produced: the library's parse, delays out, Sundial's four in. */
    private static Map<String, String> expectedProperties(DueTimer t) {
        Map<String, String> p = MessageDecoder.string2messageProperties(t.message().properties());
        for (String delay : List.of("DELAY", "TIMER_DELAY_SEC", "TIMER_DELAY_MS", "TIMER_DELIVER_MS",
                "__STARTDELIVERTIME")) {
            p.remove(delay);
        }
        p.put(RepublishedMessage.BORN_HOST, "10.0.0.7:5555");
        p.put(RepublishedMessage.BORN_TIMESTAMP, "1234");
        p.put(RepublishedMessage.DUE_MS, Long.toString(t.entry().dueMs()));
        p.put(RepublishedMessage.FIRED_MS, Long.toString(t.firedAtMs()));
        return p;
    }
}
