package io.sundial.store.record;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Encodes and decodes timer-log records. Version 1 layout, big-endian:
 *
 * <pre>
 *  0                   4                   8    9    10   11   12
 *  +-------------------+-------------------+----+----+----+----+
 *  | length (int)      | crc32c (int)      |mag |ver |type|rsvd|
 *  +-------------------+-------------------+----+----+----+----+
 *  12 seq (long) | 20 dueMs (long) | 28 enqueueMs (long) | 36 previousDueMs (long) | 44 fingerprint (long;
 *  in a CANCEL the position of the cancelled timer's record plus one, 0 when not known)
 *  52 topic (u16 length + UTF-8) | uniqKey (u16 + UTF-8)
 *  -- TIMER and MOVE only --
 *  queueId (int) | sysFlag (int) | flag (int) | reconsumeTimes (int) | defaultTopicQueueNums (int)
 *  bornTimestamp (long)
 *  brokerName, defaultTopic, producerGroup, bornHost (each u16 length + UTF-8)
 *  properties (int length + UTF-8) | body (int length + bytes, as received)
 * </pre>
 *
 * <p>{@code length} counts the whole record, header included. The CRC32C covers every byte after the CRC
 * field, so a torn write, a flipped bit or stale bytes left behind a cut tail are all detected. A length of
 * zero marks the end of the written part of a (zero-filled) segment. The magic byte and version let a future
 * layout live beside this one; a reader refuses versions it does not know.
 *
 * <p>Stateless and thread-safe.
 */
public final class RecordCodec {
    public static final byte MAGIC = (byte) 0x5D;
    public static final byte VERSION = 1;

    public static final int LENGTH_OFFSET = 0;
    public static final int CRC_OFFSET = 4;
    public static final int MAGIC_OFFSET = 8;
    public static final int VERSION_OFFSET = 9;
    public static final int TYPE_OFFSET = 10;
    public static final int SEQ_OFFSET = 12;
    public static final int DUE_OFFSET = 20;
    public static final int ENQUEUE_OFFSET = 28;
    public static final int PREVIOUS_DUE_OFFSET = 36;
    public static final int FINGERPRINT_OFFSET = 44;
    public static final int FIXED_HEADER_LENGTH = 52;

    /** Strings in the header are u16-length-prefixed; RocketMQ caps topics at 127 chars, keys well below this. */
    public static final int MAX_SHORT_STRING_BYTES = 0xFFFF;

    private RecordCodec() {
    }

    /** Encodes {@code record} into a new heap buffer, flipped and ready to write. */
    public static ByteBuffer encode(LogRecord record) {
        byte[] topic = utf8(record.topic());
        byte[] uniqKey = utf8(record.uniqKey());
        checkShort("topic", topic);
        checkShort("uniqKey", uniqKey);
        int length = FIXED_HEADER_LENGTH + 2 + topic.length + 2 + uniqKey.length;
        TimerMessage m = record.message();
        byte[] brokerName = null;
        byte[] defaultTopic = null;
        byte[] producerGroup = null;
        byte[] bornHost = null;
        byte[] properties = null;
        if (m != null) {
            brokerName = utf8(m.brokerName());
            defaultTopic = utf8(m.defaultTopic());
            producerGroup = utf8(m.producerGroup());
            bornHost = utf8(m.bornHost());
            properties = utf8(m.properties());
            checkShort("brokerName", brokerName);
            checkShort("defaultTopic", defaultTopic);
            checkShort("producerGroup", producerGroup);
            checkShort("bornHost", bornHost);
            long total = (long) length + 5 * 4 + 8 + 4 * 2 + brokerName.length + defaultTopic.length
                    + producerGroup.length + bornHost.length + 4 + properties.length + 4 + m.body().length;
            if (total > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("record of " + total + " bytes is too large");
            }
            length = (int) total;
        }
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.BIG_ENDIAN);
        buf.putInt(length);
        buf.putInt(0); // CRC, filled below
        buf.put(MAGIC).put(VERSION).put(record.type().code()).put((byte) 0);
        buf.putLong(record.seq());
        buf.putLong(record.dueMs());
        buf.putLong(record.enqueueMs());
        buf.putLong(record.previousDueMs());
        buf.putLong(record.fingerprint());
        putShortString(buf, topic);
        putShortString(buf, uniqKey);
        if (m != null) {
            buf.putInt(m.queueId());
            buf.putInt(m.sysFlag());
            buf.putInt(m.flag());
            buf.putInt(m.reconsumeTimes());
            buf.putInt(m.defaultTopicQueueNums());
            buf.putLong(m.bornTimestamp());
            putShortString(buf, brokerName);
            putShortString(buf, defaultTopic);
            putShortString(buf, producerGroup);
            putShortString(buf, bornHost);
            buf.putInt(properties.length).put(properties);
            buf.putInt(m.body().length).put(m.body());
        }
        buf.flip();
        sealCrc(buf);
        return buf;
    }

    /** Rewrites the sequence of an encoded record in place and recomputes its CRC. */
    public static void patchSeq(ByteBuffer encoded, long seq) {
        int base = encoded.position();
        encoded.putLong(base + SEQ_OFFSET, seq);
        sealCrc(encoded);
    }

    /** The total length an encoded record starting at {@code buf}'s position declares. */
    public static int declaredLength(ByteBuffer buf) {
        return buf.getInt(buf.position() + LENGTH_OFFSET);
    }

    /**
     * Decodes the record occupying {@code buf} from its position to its limit, after checking length, magic,
     * version and CRC. {@code position} is only used in error messages.
     */
    public static LogRecord decode(ByteBuffer buf, long position) throws CorruptRecordException {
        verify(buf, position);
        ByteBuffer b = buf.duplicate().order(ByteOrder.BIG_ENDIAN);
        int base = b.position();
        RecordType type = RecordType.of(b.get(base + TYPE_OFFSET));
        if (type == null) {
            throw new CorruptRecordException(position, "unknown record type " + b.get(base + TYPE_OFFSET));
        }
        try {
            b.position(base + SEQ_OFFSET);
            long seq = b.getLong();
            long due = b.getLong();
            long enqueue = b.getLong();
            long previousDue = b.getLong();
            long fingerprint = b.getLong();
            String topic = getRepeatedString(b);
            String uniqKey = getShortString(b);
            TimerMessage message = null;
            if (type.carriesMessage()) {
                int queueId = b.getInt();
                int sysFlag = b.getInt();
                int flag = b.getInt();
                int reconsumeTimes = b.getInt();
                int defaultTopicQueueNums = b.getInt();
                long bornTimestamp = b.getLong();
                String brokerName = getRepeatedString(b);
                String defaultTopic = getRepeatedString(b);
                String producerGroup = getRepeatedString(b);
                String bornHost = getRepeatedString(b);
                String properties = new String(getBytes(b, position, "properties"), StandardCharsets.UTF_8);
                byte[] body = getBytes(b, position, "body");
                message = new TimerMessage(topic, queueId, brokerName, defaultTopic, defaultTopicQueueNums,
                        producerGroup, sysFlag, flag, bornTimestamp, bornHost, reconsumeTimes, properties, body);
            }
            if (b.position() != b.limit()) {
                throw new CorruptRecordException(position, (b.limit() - b.position()) + " bytes left over");
            }
            return new LogRecord(type, seq, due, enqueue, previousDue, fingerprint, topic, uniqKey, message);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            // The CRC matched but the fields do not fit: a writer bug or a collision; never use the bytes.
            throw new CorruptRecordException(position, "fields do not fit the record: " + e);
        }
    }

    /** Checks the framing and CRC of the record from {@code buf}'s position to its limit. */
    public static void verify(ByteBuffer buf, long position) throws CorruptRecordException {
        int base = buf.position();
        int available = buf.remaining();
        if (available < FIXED_HEADER_LENGTH) {
            throw new CorruptRecordException(position, "only " + available + " bytes, shorter than a header");
        }
        int length = buf.getInt(base + LENGTH_OFFSET);
        if (length != available) {
            throw new CorruptRecordException(position, "declared length " + length + " but " + available + " bytes");
        }
        if (buf.get(base + MAGIC_OFFSET) != MAGIC) {
            throw new CorruptRecordException(position, "bad magic " + buf.get(base + MAGIC_OFFSET));
        }
        if (buf.get(base + VERSION_OFFSET) != VERSION) {
            throw new CorruptRecordException(position, "unsupported version " + buf.get(base + VERSION_OFFSET));
        }
        int stored = buf.getInt(base + CRC_OFFSET);
        int actual = crc(buf);
        if (stored != actual) {
            throw new CorruptRecordException(position, String.format("CRC mismatch: stored %08x, computed %08x",
                    stored, actual));
        }
    }

    private static void sealCrc(ByteBuffer buf) {
        buf.putInt(buf.position() + CRC_OFFSET, crc(buf));
    }

    private static int crc(ByteBuffer buf) {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = buf.duplicate();
        covered.position(buf.position() + MAGIC_OFFSET);
        crc.update(covered);
        return (int) crc.getValue();
    }

    /** CRC32C of a whole array, used for body fingerprints. */
    public static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void checkShort(String field, byte[] bytes) {
        if (bytes.length > MAX_SHORT_STRING_BYTES) {
            throw new IllegalArgumentException(field + " is " + bytes.length + " bytes, more than "
                    + MAX_SHORT_STRING_BYTES);
        }
    }

    private static void putShortString(ByteBuffer buf, byte[] bytes) {
        buf.putShort((short) bytes.length).put(bytes);
    }

    private static String getShortString(ByteBuffer b) {
        byte[] bytes = new byte[shortStringLength(b)];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A short string that repeats across records (see {@link RepeatedStrings}). */
    private static String getRepeatedString(ByteBuffer b) {
        return RepeatedStrings.decode(b, shortStringLength(b));
    }

    /** Reads a short string's length (u16), checked to fit in what is left of the record. */
    private static int shortStringLength(ByteBuffer b) {
        int len = Short.toUnsignedInt(b.getShort());
        if (len > b.remaining()) {
            throw new IllegalArgumentException("string of " + len + " bytes overruns the record");
        }
        return len;
    }

    private static byte[] getBytes(ByteBuffer b, long position, String field) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException(field + " length " + len + " overruns the record");
        }
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }
}
