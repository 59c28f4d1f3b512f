package io.sundial.store.index;

import io.sundial.store.record.RepeatedStrings;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A pending timer as the due index holds it: enough to fire it (where its record lies, which topic and
 * queue) and to remove every index entry it has without reading the log (its unique key and message keys).
 *
 * <p>Value layout: {@code position(8) size(4) queueId(4) topic(u16+UTF-8) uniqKey(u16+UTF-8)
 * keyCount(u16) key(u16+UTF-8)...}
 */
public record DueEntry(long dueMs, long seq, long position, int size, int queueId, String topic, String uniqKey,
                       List<String> keys) {

    public byte[] dueKey() {
        return Keys.due(dueMs, seq);
    }

    public DueEntry withDue(long newDueMs) {
        return new DueEntry(newDueMs, seq, position, size, queueId, topic, uniqKey, keys);
    }

    public DueEntry withLocation(long newPosition, int newSize) {
        return new DueEntry(dueMs, seq, newPosition, newSize, queueId, topic, uniqKey, keys);
    }

    byte[] encodeValue() {
        byte[] t = Keys.utf8(topic);
        byte[] u = Keys.utf8(uniqKey);
        List<byte[]> k = new ArrayList<>(keys.size());
        int len = 8 + 4 + 4 + 2 + t.length + 2 + u.length + 2;
        for (String key : keys) {
            byte[] b = Keys.utf8(key);
            k.add(b);
            len += 2 + b.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(len).putLong(position).putInt(size).putInt(queueId);
        buf.putShort((short) t.length).put(t).putShort((short) u.length).put(u).putShort((short) k.size());
        for (byte[] b : k) {
            buf.putShort((short) b.length).put(b);
        }
        return buf.array();
    }

    static DueEntry decode(byte[] key, byte[] value) {
        ByteBuffer k = ByteBuffer.wrap(key);
        ByteBuffer v = ByteBuffer.wrap(value);
        long position = v.getLong();
        int size = v.getInt();
        int queueId = v.getInt();
        String topic = repeatedString(v);
        String uniqKey = string(v);
        int n = Short.toUnsignedInt(v.getShort());
        List<String> keys = n == 0 ? List.of() : new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(string(v));
        }
        return new DueEntry(k.getLong(0), k.getLong(8), position, size, queueId, topic, uniqKey, keys);
    }

    /** A topic: the same few repeat from entry to entry (see {@link RepeatedStrings}). */
    private static String repeatedString(ByteBuffer v) {
        return RepeatedStrings.decode(v, Short.toUnsignedInt(v.getShort()));
    }

    private static String string(ByteBuffer v) {
        int len = Short.toUnsignedInt(v.getShort());
        String s = new String(v.array(), v.position(), len, StandardCharsets.UTF_8);
        v.position(v.position() + len);
        return s;
    }
}
