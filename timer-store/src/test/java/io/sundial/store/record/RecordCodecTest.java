package io.sundial.store.record;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordCodecTest {

    private static TimerMessage fullMessage() {
        String props = MessageProperties.with(MessageProperties.with("", "UNIQ_KEY", "7F000001ABCD"),
                "KEYS", "order-1 order-2");
        props = MessageProperties.with(props, "ünïcode", "värde");
        byte[] body = new byte[5000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        return new TimerMessage("TopicA", 3, "broker-a", "TBW102", 8, "pg", 0x301, 42, 1_700_000_000_123L,
                "[::1]:60000", 2, props, body);
    }

    @Test
    void shouldRoundTripEveryFieldOfATimerRecord() throws Exception {
        TimerMessage m = fullMessage();
        LogRecord r = LogRecord.timer(99, 1_800_000_000_000L, 1_700_000_000_500L, 0x1234_5678_9ABC_DEF0L,
                "7F000001ABCD", m);
        ByteBuffer encoded = RecordCodec.encode(r);
        assertEquals(encoded.remaining(), RecordCodec.declaredLength(encoded));

        LogRecord back = RecordCodec.decode(encoded, 0);

        assertEquals(r, back);
        assertEquals(m, back.message());
        assertEquals(0x301, back.message().sysFlag());
        assertEquals("[::1]:60000", back.message().bornHost());
        assertArrayEquals(m.body(), back.message().body());
        assertEquals("värde", back.message().property("ünïcode"));
    }

    @Test
    void shouldRoundTripCancelAndRescheduleRecords() throws Exception {
        LogRecord cancel = LogRecord.cancel(5, 1000, 900, "T", "U", 123_456_789L);
        LogRecord resched = LogRecord.reschedule(6, 2000, 1000, 950, "T", "U2");
        assertEquals(cancel, RecordCodec.decode(RecordCodec.encode(cancel), 0));
        assertEquals(123_456_789L, RecordCodec.decode(RecordCodec.encode(cancel), 0).cancelledRecordPosition());
        LogRecord back = RecordCodec.decode(RecordCodec.encode(resched), 0);
        assertEquals(RecordType.RESCHEDULE, back.type());
        assertEquals(1000, back.previousDueMs());
        assertEquals(2000, back.dueMs());
        assertNull(back.message());
    }

    @Test
    void shouldDetectEveryFlippedByteWithTheCrc() {
        ByteBuffer encoded = RecordCodec.encode(LogRecord.timer(1, 2, 3, 4, "U", fullMessage()));
        for (int at = RecordCodec.MAGIC_OFFSET; at < encoded.limit(); at += 97) {
            ByteBuffer copy = ByteBuffer.allocate(encoded.remaining()).put(encoded.duplicate()).flip();
            copy.put(at, (byte) (copy.get(at) ^ 0x10));
            int offset = at;
            CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> RecordCodec.decode(copy, 7),
                    "flip at " + offset);
            assertEquals(7, e.position());
        }
    }

    @Test
    void shouldRefuseAnUnknownVersionAndAWrongLength() {
        ByteBuffer encoded = RecordCodec.encode(LogRecord.cancel(1, 2, 3, "T", "U", 0));
        ByteBuffer v2 = ByteBuffer.allocate(encoded.remaining()).put(encoded.duplicate()).flip();
        v2.put(RecordCodec.VERSION_OFFSET, (byte) 2);
        assertTrue(assertThrows(CorruptRecordException.class, () -> RecordCodec.decode(v2, 0)).getMessage()
                .contains("version"));
        ByteBuffer shortened = encoded.duplicate().limit(encoded.limit() - 1);
        assertTrue(assertThrows(CorruptRecordException.class, () -> RecordCodec.decode(shortened, 0)).getMessage()
                .contains("length"));
    }

    @Test
    void shouldKeepTheCrcValidWhenTheSequenceIsPatched() throws Exception {
        ByteBuffer encoded = RecordCodec.encode(LogRecord.timer(0, 2, 3, 4, "U", fullMessage()));
        RecordCodec.patchSeq(encoded, 123_456_789L);
        assertEquals(123_456_789L, RecordCodec.decode(encoded, 0).seq());
    }

    @Test
    void shouldRefuseToEncodeAMessageRecordWithoutAMessage() {
        assertThrows(IllegalArgumentException.class,
                () -> new LogRecord(RecordType.TIMER, 1, 1, 1, 0, 0, "T", "U", null));
    }
}
