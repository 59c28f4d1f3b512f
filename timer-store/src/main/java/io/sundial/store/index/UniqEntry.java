package io.sundial.store.index;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One timer under a topic and unique key. Usually a key has one; an application that re-sends a reused
 * {@code Message} object (same key, other content) makes several. Ended timers stay as short-lived
 * tombstones so that a producer's late retry is still recognised.
 *
 * <p>Value layout of a {@link Table#UNIQ} entry: {@code count(u16)} then per timer
 * {@code seq(8) dueMs(8) fingerprint(8) state(1) stateAtMs(8)}.
 */
public record UniqEntry(long seq, long dueMs, long fingerprint, TimerState state, long stateAtMs) {
    private static final int SIZE = 33;

    public UniqEntry withState(TimerState newState, long atMs) {
        return new UniqEntry(seq, dueMs, fingerprint, newState, atMs);
    }

    public UniqEntry withDue(long newDueMs) {
        return new UniqEntry(seq, newDueMs, fingerprint, state, stateAtMs);
    }

    static byte[] encodeList(List<UniqEntry> entries) {
        ByteBuffer buf = ByteBuffer.allocate(2 + SIZE * entries.size()).putShort((short) entries.size());
        for (UniqEntry e : entries) {
            buf.putLong(e.seq).putLong(e.dueMs).putLong(e.fingerprint).put(e.state.code()).putLong(e.stateAtMs);
        }
        return buf.array();
    }

    static List<UniqEntry> decodeList(byte[] value) {
        if (value == null) {
            return new ArrayList<>(1);
        }
        ByteBuffer buf = ByteBuffer.wrap(value);
        int n = Short.toUnsignedInt(buf.getShort());
        List<UniqEntry> out = new ArrayList<>(n + 1);
        for (int i = 0; i < n; i++) {
            out.add(new UniqEntry(buf.getLong(), buf.getLong(), buf.getLong(), TimerState.of(buf.get()),
                    buf.getLong()));
        }
        return out;
    }
}
