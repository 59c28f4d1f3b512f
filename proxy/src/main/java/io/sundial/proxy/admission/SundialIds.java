package io.sundial.proxy.admission;

import io.sundial.store.TimerId;

import java.util.HexFormat;

/**
 * The {@code msgId} an intercepted send answers with (the client's {@code SendResult.getOffsetMsgId()}): not a
 * broker offset id, but Sundial's name for the timer, which admin commands accept. Format: {@code 5D}, then the
 * due time and the sequence as 16 hex digits each (34 characters).
 */
public final class SundialIds {
    private static final String PREFIX = "5D";

    private SundialIds() {
    }

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    public static String msgId(long dueMs, long seq) {
        // Built on each stored send's answer (on the flusher thread): String.format cost a quarter of that thread.
        return PREFIX + HEX.toHexDigits(dueMs) + HEX.toHexDigits(seq);
    }

    /** The timer a Sundial msgId names, or null if {@code msgId} is not one. */
    public static TimerId parse(String msgId) {
        if (msgId == null || msgId.length() != 34 || !msgId.startsWith(PREFIX)) {
            return null;
        }
        try {
            return new TimerId(Long.parseUnsignedLong(msgId.substring(2, 18), 16),
                    Long.parseUnsignedLong(msgId.substring(18), 16));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
