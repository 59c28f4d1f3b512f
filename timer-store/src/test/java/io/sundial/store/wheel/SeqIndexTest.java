package io.sundial.store.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SeqIndexTest {

    @Test
    void shouldAgreeWithHashMapUnderRandomAddAndRemove() {
        Random random = new Random(5);
        SeqIndex index = new SeqIndex();
        Map<Long, WheelNode> expected = new HashMap<>();
        for (int op = 0; op < 500_000; op++) {
            // A narrow key range forces long probe runs, wrap-around and back-shifting; the phase makes it grow
            // to tens of thousands of entries and shrink back.
            long range = (op / 100_000) % 2 == 0 ? 60_000 : 2_000;
            long seq = random.nextLong(range) * (random.nextBoolean() ? 1 : -1L << 20);
            if (random.nextInt(3) > 0 && op % 200_000 < 100_000) {
                WheelNode node = new WheelNode(FireLog.ref(seq, 0));
                assertEquals(!expected.containsKey(seq), index.putIfAbsent(node), "put " + seq);
                expected.putIfAbsent(seq, node);
            } else {
                assertSame(expected.remove(seq), index.remove(seq), "remove " + seq);
            }
            assertEquals(expected.size(), index.size());
        }
        for (Map.Entry<Long, WheelNode> entry : expected.entrySet()) {
            assertSame(entry.getValue(), index.get(entry.getKey()));
        }
    }

    @Test
    void shouldFindNothingAfterRemovingEverything() {
        SeqIndex index = new SeqIndex();
        for (long seq = 0; seq < 10_000; seq++) {
            assertTrue(index.putIfAbsent(new WheelNode(FireLog.ref(seq, 0))));
        }
        assertFalse(index.putIfAbsent(new WheelNode(FireLog.ref(42, 0))));
        for (long seq = 0; seq < 10_000; seq++) {
            assertEquals(seq, index.remove(seq).ref.seq());
        }
        assertEquals(0, index.size());
        assertNull(index.get(42));
        assertNull(index.remove(42));
    }
}
