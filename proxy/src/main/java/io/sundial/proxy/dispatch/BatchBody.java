package io.sundial.proxy.dispatch;

import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.DueTimer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The body of a batch send, written in one pass into one array of its exact size. Each entry is laid out as the
 * broker's {@code MessageDecoder.decodeMessages} reads it (and as {@code MessageDecoder.encodeMessages} writes it):
 * total size, magic code 0, body CRC 0, flag, body length, body, properties length (2 bytes), properties.
 *
 * <p>Why not {@code encodeMessages}: it needs a {@code Message} with a property map per timer, encodes each into its
 * own buffer and copies them all into another; in a burst that was the largest share of a dispatch thread's CPU
 * and of its garbage. {@code BatchBodyTest} checks that the library decodes every field back.
 */
final class BatchBody {
    /** Total size, magic code, body CRC, flag and body length. */
    private static final int FIXED = 20;

    private BatchBody() {
    }

    static byte[] encode(List<DueTimer> run) {
        byte[][] properties = new byte[run.size()][];
        int size = 0;
        for (int i = 0; i < run.size(); i++) {
            properties[i] = RepublishedMessage.properties(run.get(i)).getBytes(StandardCharsets.UTF_8);
            size += entrySize(run.get(i).message(), properties[i]);
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (int i = 0; i < run.size(); i++) {
            TimerMessage m = run.get(i).message();
            out.putInt(entrySize(m, properties[i]))
                    .putInt(0)
                    .putInt(0)
                    .putInt(m.flag())
                    .putInt(m.body().length)
                    .put(m.body())
                    .putShort((short) properties[i].length)
                    .put(properties[i]);
        }
        return out.array();
    }

    private static int entrySize(TimerMessage m, byte[] properties) {
        return FIXED + m.body().length + 2 + properties.length;
    }
}
