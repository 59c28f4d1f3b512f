package io.sundial.store.wheel;

/**
 * The shape of a {@link TimingWheel}: how long one tick of the lowest level lasts, how many slots each level has
 * and how many levels there are. Level {@code k} ticks once per {@code tickMs * slotsPerLevel^k} ms, so the
 * wheel spans {@code tickMs * slotsPerLevel^levels} ms; timers beyond that span wait in an overflow area.
 *
 * @param tickMs        length of a level-0 tick in ms, 1 to {@value #MAX_TICK_MS}; a coarser tick means fewer
 *                      bucket visits but never earlier firing, which stays exact to the millisecond
 * @param slotsPerLevel a power of two from 2 to {@value #MAX_SLOTS_PER_LEVEL}, so slot indexes are bit fields
 * @param levels        at least 1, with {@code levels * log2(slotsPerLevel) <= }{@value #MAX_TICK_BITS} so that
 *                      tick arithmetic cannot overflow a {@code long}
 */
public record WheelConfig(long tickMs, int slotsPerLevel, int levels) {

    /** 1 ms ticks, 256 slots, 4 levels: the wheel proper spans 2^32 ms (about 49.7 days). */
    public static final WheelConfig DEFAULT = new WheelConfig(1, 256, 4);

    /** The tick is split into one list per millisecond to keep firing exact, so it must stay small. */
    public static final long MAX_TICK_MS = 1000;
    public static final int MAX_SLOTS_PER_LEVEL = 1 << 16;
    public static final int MAX_TICK_BITS = 62;

    public WheelConfig {
        if (tickMs < 1 || tickMs > MAX_TICK_MS) {
            throw new IllegalArgumentException(
                "tickMs must be between 1 and " + MAX_TICK_MS + " ms, got " + tickMs);
        }
        if (slotsPerLevel < 2 || slotsPerLevel > MAX_SLOTS_PER_LEVEL || Integer.bitCount(slotsPerLevel) != 1) {
            throw new IllegalArgumentException(
                "slotsPerLevel must be a power of two from 2 to " + MAX_SLOTS_PER_LEVEL + ", got " + slotsPerLevel);
        }
        if (levels < 1) {
            throw new IllegalArgumentException("levels must be at least 1, got " + levels);
        }
        int bits = Integer.numberOfTrailingZeros(slotsPerLevel);
        if ((long) bits * levels > MAX_TICK_BITS) {
            throw new IllegalArgumentException("levels * log2(slotsPerLevel) must be at most " + MAX_TICK_BITS
                + ", got levels=" + levels + " with slotsPerLevel=" + slotsPerLevel + " (" + bits * levels + ")");
        }
    }

    /** log2 of {@link #slotsPerLevel()}: the number of tick bits each level resolves. */
    int bitsPerLevel() {
        return Integer.numberOfTrailingZeros(slotsPerLevel);
    }

    /** The span in ms the levels cover before the overflow area takes over, saturating at {@code Long.MAX_VALUE}. */
    public long spanMs() {
        long ticks = 1L << (bitsPerLevel() * levels);
        return ticks > Long.MAX_VALUE / tickMs ? Long.MAX_VALUE : ticks * tickMs;
    }
}
