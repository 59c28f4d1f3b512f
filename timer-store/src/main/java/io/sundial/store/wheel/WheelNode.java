package io.sundial.store.wheel;

/**
 * The link that threads one {@link TimerRef} through a bucket's list. Kept to four references (about 32 bytes)
 * because the wheel holds one per pending timer.
 */
final class WheelNode {
    final TimerRef ref;
    WheelNode prev;
    WheelNode next;
    /** The list this node is in, so that cancel can unlink it without a search; null once fired or cancelled. */
    WheelBucket bucket;

    WheelNode(TimerRef ref) {
        this.ref = ref;
    }
}
