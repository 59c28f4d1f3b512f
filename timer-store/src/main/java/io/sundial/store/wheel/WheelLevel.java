package io.sundial.store.wheel;

/**
 * One level of the wheel: a ring of buckets, each covering one tick of this level, and a bitmap of the non-empty
 * ones. The bitmap is what makes empty time free: finding the next timer costs {@code slots / 64} word reads,
 * however many empty ticks lie before it.
 */
final class WheelLevel {
    /** How far to shift a level-0 tick number to get this level's tick number. */
    final int shift;
    private final int mask;
    private final WheelBucket[] buckets;
    private final long[] occupied;
    private int occupiedBuckets;

    WheelLevel(int level, int bitsPerLevel, int slots) {
        this.shift = level * bitsPerLevel;
        this.mask = slots - 1;
        this.buckets = new WheelBucket[slots];
        for (int slot = 0; slot < slots; slot++) {
            buckets[slot] = new WheelBucket(level, slot, 0);
        }
        this.occupied = new long[(slots + 63) >>> 6];
    }

    /** The slot that level-0 tick {@code tick} falls in on this level. */
    int slotOf(long tick) {
        return (int) (tick >> shift) & mask;
    }

    boolean isEmpty() {
        return occupiedBuckets == 0;
    }

    void add(long tick, WheelNode node) {
        int slot = slotOf(tick);
        WheelBucket bucket = buckets[slot];
        if (bucket.isEmpty()) {
            occupied[slot >>> 6] |= 1L << slot;
            occupiedBuckets++;
        }
        bucket.append(node);
    }

    /** Called after a cancel emptied the bucket at {@code slot}. */
    void emptied(int slot) {
        occupied[slot >>> 6] &= ~(1L << slot);
        occupiedBuckets--;
    }

    /** The first non-empty slot at or after {@code from}, without wrapping, or -1. */
    int nextOccupied(int from) {
        if (from > mask) {
            return -1;
        }
        int word = from >>> 6;
        long bits = occupied[word] & (-1L << from);
        while (true) {
            if (bits != 0) {
                return (word << 6) + Long.numberOfTrailingZeros(bits);
            }
            if (++word == occupied.length) {
                return -1;
            }
            bits = occupied[word];
        }
    }

    /** Empties the bucket at {@code slot} and returns its first node, still chained by {@code next}. */
    WheelNode take(int slot) {
        WheelBucket bucket = buckets[slot];
        if (!bucket.isEmpty()) {
            emptied(slot);
        }
        return bucket.takeAll();
    }
}
