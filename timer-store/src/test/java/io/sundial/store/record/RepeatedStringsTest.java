package io.sundial.store.record;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class RepeatedStringsTest {
    private static ByteBuffer framed(String prefix, String s) {
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocateDirect(p.length + b.length + 1).put(p).put(b).put((byte) 7).flip()
                .position(p.length);
    }

    private static String decode(ByteBuffer b, String expected) {
        return RepeatedStrings.decode(b, expected.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void shouldGiveTheSameStringForTheSameBytesAndMoveThePositionPast() {
        ByteBuffer first = framed("xy", "topic-Ä");
        String a = decode(first, "topic-Ä");
        assertEquals("topic-Ä", a);
        assertEquals(7, first.get(), "position after the string");
        ByteBuffer second = framed("", "topic-Ä");
        assertSame(a, decode(second, "topic-Ä"));
        assertEquals(7, second.get());
    }

    @Test
    void shouldDecodeEveryValueRightWhateverShareASlot() {
        // Far more values than slots: every slot is taken over many times, and each answer must still be its own.
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 5_000; i++) {
                String s = "group-" + i;
                assertEquals(s, decode(framed("", s), s));
            }
        }
        assertEquals("", RepeatedStrings.decode(framed("", ""), 0));
    }

    @Test
    void shouldDecodeLongAndMalformedStringsAsAStringConstructorWould() {
        String longOne = "h".repeat(300);
        assertEquals(longOne, decode(framed("", longOne), longOne));
        byte[] malformed = {'a', (byte) 0xC3, 'b'};
        ByteBuffer b = ByteBuffer.wrap(malformed);
        String expected = new String(malformed, StandardCharsets.UTF_8);
        assertEquals(expected, RepeatedStrings.decode(b, 3));
        assertEquals(expected, RepeatedStrings.decode(ByteBuffer.wrap(malformed), 3), "and again, from the cache");
    }
}
