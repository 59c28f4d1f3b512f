package io.sundial.store.wheel;

/**
 * An intrusive doubly-linked list of nodes, appended at the tail so that it keeps insertion order. Append and
 * remove are O(1) and allocate nothing. The bucket records where it lives so that the wheel can update its
 * bookkeeping when a cancel empties it.
 */
final class WheelBucket {
    /** The bucket is one of the due lists of the current tick. */
    static final int DUE = -1;
    /** The bucket is in the overflow area beyond the top level. */
    static final int OVERFLOW = -2;

    /** A wheel level index, or {@link #DUE} or {@link #OVERFLOW}. */
    final int level;
    final int slot;
    /** For an overflow bucket, the top-level revolution it holds. */
    final long block;

    private WheelNode head;
    private WheelNode tail;

    WheelBucket(int level, int slot, long block) {
        this.level = level;
        this.slot = slot;
        this.block = block;
    }

    boolean isEmpty() {
        return head == null;
    }

    WheelNode head() {
        return head;
    }

    void append(WheelNode node) {
        node.bucket = this;
        node.next = null;
        node.prev = tail;
        if (tail == null) {
            head = node;
        } else {
            tail.next = node;
        }
        tail = node;
    }

    void remove(WheelNode node) {
        WheelNode prev = node.prev;
        WheelNode next = node.next;
        if (prev == null) {
            head = next;
        } else {
            prev.next = next;
        }
        if (next == null) {
            tail = prev;
        } else {
            next.prev = prev;
        }
        node.prev = null;
        node.next = null;
        node.bucket = null;
    }

    /**
     * Empties the bucket in O(1) and returns its first node. The returned nodes stay chained by {@code next};
     * the caller must read a node's {@code next} before appending it elsewhere.
     */
    WheelNode takeAll() {
        WheelNode first = head;
        head = null;
        tail = null;
        return first;
    }
}
