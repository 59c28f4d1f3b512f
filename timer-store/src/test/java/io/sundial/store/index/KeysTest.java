package io.sundial.store.index;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeysTest {

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(Arrays.copyOf(key, prefix.length), prefix);
    }

    @Test
    void shouldNotLetATopicPrefixMatchALongerTopicWithASeparator() {
        byte[] a = Keys.topicPrefix("a");
        assertFalse(startsWith(Keys.topic("a|b", 1, 1), a));
        assertFalse(startsWith(Keys.topic("a+b", 1, 1), a));
        assertTrue(startsWith(Keys.topic("a", 1, 1), a));
        assertFalse(startsWith(Keys.key("a", "b|c", 1), Keys.keyPrefix("a", "b")));
    }

    @Test
    void shouldOrderDueKeysByTimeThenSequence() {
        assertTrue(Arrays.compareUnsigned(Keys.due(1, 99), Keys.due(2, 0)) < 0);
        assertTrue(Arrays.compareUnsigned(Keys.due(2, 1), Keys.due(2, 2)) < 0);
        assertTrue(Arrays.compareUnsigned(Keys.due(255, 0), Keys.due(256, 0)) < 0);
    }

    @Test
    void shouldGiveAnUpperBoundAboveEveryKeyWithThePrefix() {
        byte[] prefix = {1, (byte) 0xFF};
        byte[] bound = Keys.upperBound(prefix);
        assertTrue(Arrays.compareUnsigned(new byte[] {1, (byte) 0xFF, (byte) 0xFF, 7}, bound) < 0);
        assertTrue(Arrays.compareUnsigned(new byte[] {2}, bound) >= 0);
    }
}
