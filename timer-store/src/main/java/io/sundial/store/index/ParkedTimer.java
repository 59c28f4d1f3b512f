package io.sundial.store.index;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A timer held back after a permanent delivery failure.
 *
 * <p>Value layout in {@link Table#PARKED}: {@code dueMs(8) parkedAtMs(8) reasonLength(4) reason(UTF-8)
 * dueEntryValue}.
 *
 * @param entry      the timer, as the due index held it
 * @param parkedAtMs when it was parked
 * @param reason     why (the delivery error)
 */
public record ParkedTimer(DueEntry entry, long parkedAtMs, String reason) {

    static ParkedTimer decode(String topic, long seq, byte[] value) {
        ByteBuffer v = ByteBuffer.wrap(value);
        long due = v.getLong();
        long at = v.getLong();
        int len = v.getInt();
        String reason = new String(value, v.position(), len, StandardCharsets.UTF_8);
        byte[] entryValue = Arrays.copyOfRange(value, v.position() + len, value.length);
        return new ParkedTimer(DueEntry.decode(Keys.due(due, seq), entryValue), at, reason);
    }
}
