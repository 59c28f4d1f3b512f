package io.sundial.store.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class TimerRefTest {

    @Test
    void shouldBeEqualBySeqAlone() {
        TimerRef ref = new TimerRef(100, 7, 0, 10, "a", 1);
        TimerRef sameSeq = new TimerRef(200, 7, 64, 20, "b", 2);
        assertEquals(ref, sameSeq);
        assertEquals(ref.hashCode(), sameSeq.hashCode());
        assertNotEquals(ref, new TimerRef(100, 8, 0, 10, "a", 1));
    }
}
