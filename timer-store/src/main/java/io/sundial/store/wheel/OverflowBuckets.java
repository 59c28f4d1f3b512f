package io.sundial.store.wheel;

import java.util.TreeMap;

/**
 * Timers due beyond the top level's revolution, one bucket per future revolution ("block"). A far timer waits here
 * untouched until the wheel enters its block, then is moved into the levels once; it is never rescanned on every
 * revolution.
 *
 * <p>Cost: O(log B) to add or to empty a bucket, where B is the number of distinct future blocks holding timers;
 * with the default configuration one block is about 49.7 days, so B stays small.
 */
final class OverflowBuckets {
    private final TreeMap<Long, WheelBucket> byBlock = new TreeMap<>();

    boolean isEmpty() {
        return byBlock.isEmpty();
    }

    void add(long block, WheelNode node) {
        byBlock.computeIfAbsent(block, b -> new WheelBucket(WheelBucket.OVERFLOW, 0, b)).append(node);
    }

    /** Called after a cancel emptied {@code bucket}. */
    void emptied(WheelBucket bucket) {
        byBlock.remove(bucket.block);
    }

    /** The earliest block holding timers; only valid when not empty. */
    long firstBlock() {
        return byBlock.firstKey();
    }

    /** Removes the bucket of {@code block} and returns its first node, still chained by {@code next}. */
    WheelNode take(long block) {
        WheelBucket bucket = byBlock.remove(block);
        return bucket == null ? null : bucket.takeAll();
    }
}
