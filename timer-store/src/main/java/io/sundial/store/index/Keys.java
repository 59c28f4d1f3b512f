package io.sundial.store.index;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Key encodings. Numbers are big-endian so that byte order is numeric order (due times and sequences are
 * non-negative). Strings are length-prefixed (u16 + UTF-8), never separator-terminated: {@code |}, {@code +}
 * and most characters are legal in topics and keys, so with a separator topic {@code a} would match {@code a|b}.
 * With a prefix, {@code a} and {@code a|b} differ in their first two bytes.
 */
public final class Keys {
    private static final byte COUNTER_TOPIC = 'T';
    private static final byte COUNTER_TOTAL = 'G';
    private static final byte COUNTER_SEGMENT_LIVE = 'S';
    private static final byte COUNTER_SEGMENT_BYTES = 'B';
    private static final byte COUNTER_PARKED = 'P';
    /** Change records a segment holds that keep it (decision 0048). */
    private static final byte COUNTER_SEGMENT_KEEPS = 'K';
    /** {@code target | kept}: how many of the kept segment's change records change a timer in the target. */
    private static final byte COUNTER_KEPT_BY = 'R';

    private Keys() {
    }

    /** {@code dueMs | seq}: the due index key, and the loader's cursor. */
    public static byte[] due(long dueMs, long seq) {
        return ByteBuffer.allocate(16).putLong(dueMs).putLong(seq).array();
    }

    public static long dueOf(byte[] dueKey) {
        return ByteBuffer.wrap(dueKey).getLong(0);
    }

    public static long seqOf(byte[] dueKey) {
        return ByteBuffer.wrap(dueKey).getLong(8);
    }

    /** {@code topic | uniqKey}. */
    public static byte[] uniq(String topic, String uniqKey) {
        return twoParts(topic, uniqKey, 0).array();
    }

    /** {@code topic}: the common prefix of a topic's keys in {@link Table#TOPIC}. */
    public static byte[] topicPrefix(String topic) {
        return onePart(topic, 0).array();
    }

    /** {@code topic | dueMs | seq}. */
    public static byte[] topic(String topic, long dueMs, long seq) {
        return onePart(topic, 16).putLong(dueMs).putLong(seq).array();
    }

    /** {@code topic | key}: the common prefix of one message key's entries in {@link Table#KEY}. */
    public static byte[] keyPrefix(String topic, String key) {
        return twoParts(topic, key, 0).array();
    }

    /** {@code topic | key | seq}. */
    public static byte[] key(String topic, String key, long seq) {
        return twoParts(topic, key, 8).putLong(seq).array();
    }

    /** {@code expiresAtMs | seq}. */
    public static byte[] expiry(long expiresAtMs, long seq) {
        return due(expiresAtMs, seq);
    }

    public static byte[] topicCounter(String topic) {
        byte[] t = utf8(topic);
        return ByteBuffer.allocate(1 + t.length).put(COUNTER_TOPIC).put(t).array();
    }

    /** The first byte shared by every per-topic counter key. */
    public static byte[] topicCounterPrefix() {
        return new byte[] {COUNTER_TOPIC};
    }

    public static String topicOfCounter(byte[] counterKey) {
        return new String(counterKey, 1, counterKey.length - 1, StandardCharsets.UTF_8);
    }

    /** {@code topic | seq}. */
    public static byte[] parked(String topic, long seq) {
        return onePart(topic, 8).putLong(seq).array();
    }

    /** {@code seq}. */
    public static byte[] moved(long seq) {
        return ByteBuffer.allocate(8).putLong(seq).array();
    }

    /** The topic and unique key of a {@link Table#UNIQ} key. */
    public static String[] ofUniq(byte[] uniqKey) {
        ByteBuffer b = ByteBuffer.wrap(uniqKey);
        String[] out = new String[2];
        for (int i = 0; i < 2; i++) {
            byte[] part = new byte[b.getShort() & 0xFFFF];
            b.get(part);
            out[i] = new String(part, java.nio.charset.StandardCharsets.UTF_8);
        }
        return out;
    }

    public static byte[] parkedCounter() {
        return new byte[] {COUNTER_PARKED};
    }

    public static byte[] totalCounter() {
        return new byte[] {COUNTER_TOTAL};
    }

    public static byte[] segmentLiveCounter(long segmentBase) {
        return ByteBuffer.allocate(9).put(COUNTER_SEGMENT_LIVE).putLong(segmentBase).array();
    }

    public static byte[] segmentBytesCounter(long segmentBase) {
        return ByteBuffer.allocate(9).put(COUNTER_SEGMENT_BYTES).putLong(segmentBase).array();
    }

    public static byte[] segmentKeepsCounter(long segmentBase) {
        return ByteBuffer.allocate(9).put(COUNTER_SEGMENT_KEEPS).putLong(segmentBase).array();
    }

    /** {@code target | kept}: see {@link #keptSegmentOf} and {@link #targetSegmentOf}. */
    public static byte[] keptByCounter(long targetSegment, long keptSegment) {
        return ByteBuffer.allocate(17).put(COUNTER_KEPT_BY).putLong(targetSegment).putLong(keptSegment).array();
    }

    /** The common prefix of every {@link #keptByCounter} key. */
    public static byte[] keptByPrefix() {
        return new byte[] {COUNTER_KEPT_BY};
    }

    public static long targetSegmentOf(byte[] keptByKey) {
        return ByteBuffer.wrap(keptByKey).getLong(1);
    }

    public static long keptSegmentOf(byte[] keptByKey) {
        return ByteBuffer.wrap(keptByKey).getLong(9);
    }

    /** The smallest key greater than every key starting with {@code prefix}: an exclusive upper bound. */
    public static byte[] upperBound(byte[] prefix) {
        byte[] b = prefix.clone();
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != (byte) 0xFF) {
                b[i]++;
                return java.util.Arrays.copyOf(b, i + 1);
            }
        }
        return null; // all 0xFF: no upper bound
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code first | second}, each length-prefixed, in one buffer with {@code suffix} bytes left for the caller. */
    private static ByteBuffer twoParts(String first, String second, int suffix) {
        byte[] a = checkedUtf8(first);
        byte[] b = checkedUtf8(second);
        return ByteBuffer.allocate(4 + a.length + b.length + suffix).putShort((short) a.length).put(a)
                .putShort((short) b.length).put(b);
    }

    /** {@code part}, length-prefixed, in a buffer with {@code suffix} bytes left for the caller. */
    private static ByteBuffer onePart(String part, int suffix) {
        byte[] a = checkedUtf8(part);
        return ByteBuffer.allocate(2 + a.length + suffix).putShort((short) a.length).put(a);
    }

    /** A key part's UTF-8 bytes, to be written after their length (u16). */
    private static byte[] checkedUtf8(String s) {
        return checkLength(utf8(s));
    }

    private static byte[] checkLength(byte[] bytes) {
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("a key part of " + bytes.length + " bytes is longer than 65535");
        }
        return bytes;
    }
}
