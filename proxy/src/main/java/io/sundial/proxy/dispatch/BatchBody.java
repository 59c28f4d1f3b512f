package io.sundial.proxy.dispatch;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.DueTimer;

import java.util.List;

/**
 * The body of a batch send, written in one pass into one array of its exact size, properties included (no
 * intermediate string or array per timer). Each entry is laid out as the broker's
 * {@code MessageDecoder.decodeMessages} reads it (and as {@code MessageDecoder.encodeMessages} writes it): total
 * size, magic code 0, body CRC 0, flag, body length, body, properties length (2 bytes), properties.
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
        RepublishedMessage.Properties[] properties = new RepublishedMessage.Properties[run.size()];
        int[] propertyLengths = new int[run.size()];
        int size = 0;
        for (int i = 0; i < run.size(); i++) {
            properties[i] = RepublishedMessage.rewrite(run.get(i));
            propertyLengths[i] = properties[i].utf8Length();
            size += entrySize(run.get(i).message(), propertyLengths[i]);
        }
        ByteBuf out = Unpooled.wrappedBuffer(new byte[size]).clear();
        for (int i = 0; i < run.size(); i++) {
            TimerMessage m = run.get(i).message();
            out.writeInt(entrySize(m, propertyLengths[i]))
                    .writeInt(0)
                    .writeInt(0)
                    .writeInt(m.flag())
                    .writeInt(m.body().length)
                    .writeBytes(m.body())
                    .writeShort(propertyLengths[i]);
            properties[i].writeTo(out);
        }
        if (out.writerIndex() != size) {
            throw new IllegalStateException("batch body of " + out.writerIndex() + " bytes, computed " + size);
        }
        return out.array();
    }

    private static int entrySize(TimerMessage m, int propertiesLength) {
        return FIXED + m.body().length + 2 + propertiesLength;
    }
}
