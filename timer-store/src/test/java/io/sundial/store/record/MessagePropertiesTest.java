package io.sundial.store.record;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MessagePropertiesTest {

    @Test
    void shouldReadValuesAndSkipPairsWithoutSeparator() {
        String props = "KEYS\u0001a b\u0002broken\u0002UNIQ_KEY\u0001ABC\u0002TAGS\u0001t";
        assertEquals("a b", MessageProperties.get(props, "KEYS"));
        assertEquals("ABC", MessageProperties.get(props, "UNIQ_KEY"));
        assertEquals("t", MessageProperties.get(props, "TAGS"));
        assertNull(MessageProperties.get(props, "broken"));
        assertNull(MessageProperties.get(props, "UNIQ"));
    }

    @Test
    void shouldSplitKeysOnSpacesDroppingEmptyAndRepeatedOnes() {
        String props = MessageProperties.with("", "KEYS", " k1  k2 k1 ");
        assertEquals(List.of("k1", "k2"), MessageProperties.keys(props));
        assertEquals(List.of(), MessageProperties.keys(""));
    }

    @Test
    void shouldIgnoreRelativeDelayValuesButNotOtherProperties() {
        String a = MessageProperties.with(MessageProperties.with("", "TIMER_DELAY_SEC", "10"), "X", "1");
        String b = MessageProperties.with(MessageProperties.with("", "TIMER_DELAY_SEC", "99"), "X", "1");
        String c = MessageProperties.with(MessageProperties.with("", "TIMER_DELAY_SEC", "10"), "X", "2");
        assertEquals(MessageProperties.withoutRelativeDelayValues(a), MessageProperties.withoutRelativeDelayValues(b));
        assertNotEquals(MessageProperties.withoutRelativeDelayValues(a), MessageProperties.withoutRelativeDelayValues(c));
    }
}
