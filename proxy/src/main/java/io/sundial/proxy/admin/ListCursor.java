package io.sundial.proxy.admin;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * The opaque cursor of {@code list}: the due time and sequence of the last timer of a page, so the next page
 * starts strictly after it (no gap, no repeat, whatever is appended or delivered meanwhile).
 */
record ListCursor(long dueMs, long seq) {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    /** The cursor a client passed back, or null for none; a damaged one is refused with INVALID_PARAMETER. */
    static ListCursor parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            byte[] raw = Base64.getUrlDecoder().decode(text);
            if (raw.length != 16) {
                throw new IllegalArgumentException("length " + raw.length);
            }
            ByteBuffer b = ByteBuffer.wrap(raw);
            return new ListCursor(b.getLong(), b.getLong());
        } catch (IllegalArgumentException e) {
            throw Args.invalid("the cursor '" + text + "' is not one a list answered with");
        }
    }

    @Override
    public String toString() {
        return ENCODER.encodeToString(ByteBuffer.allocate(16).putLong(dueMs).putLong(seq).array());
    }
}
