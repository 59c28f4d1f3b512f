package io.sundial.store.wheel;

/**
 * A hash set of nodes keyed by their timer's {@code seq}, so that cancel finds a node in O(1).
 *
 * <p>Why not {@code HashMap<Long, WheelNode>}: it costs about 50 bytes per timer (a boxed key and an entry object).
 * This is open addressing with linear probing: a slot holds a node reference and a 32-bit tag, the high half of the
 * seq's hash. Probes compare tags in a flat array and follow a node only when the tag matches, so a lookup rarely
 * misses the cache more than once; and since the home slot is read off the tag, resizing never touches the nodes.
 * Load stays between 1/8 and 7/10 and deletion shifts later entries back, so no tombstones build up. A slot is
 * 8 bytes with compressed references: 11 to 23 bytes per timer while the table grows. Not thread-safe.
 */
final class SeqIndex {
    private static final int MIN_CAPACITY = 16;
    private static final int MAX_CAPACITY = 1 << 30;

    private WheelNode[] nodes;
    private int[] tags;
    private int shift;
    private int size;

    SeqIndex() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    WheelNode get(long seq) {
        int slot = find(seq);
        return slot < 0 ? null : nodes[slot];
    }

    /** Adds {@code node} unless a node with the same seq is present; returns whether it was added. */
    boolean putIfAbsent(WheelNode node) {
        long seq = node.ref.seq();
        int tag = tag(seq);
        int mask = nodes.length - 1;
        int slot = home(tag);
        for (WheelNode at; (at = nodes[slot]) != null; slot = (slot + 1) & mask) {
            if (tags[slot] == tag && at.ref.seq() == seq) {
                return false;
            }
        }
        nodes[slot] = node;
        tags[slot] = tag;
        if (++size * 10L > nodes.length * 7L && nodes.length < MAX_CAPACITY) {
            resize(nodes.length << 1);
        }
        return true;
    }

    /** Removes and returns the node with {@code seq}, or null. */
    WheelNode remove(long seq) {
        int hole = find(seq);
        if (hole < 0) {
            return null;
        }
        WheelNode found = nodes[hole];
        int mask = nodes.length - 1;
        // Shift back later members of the probe run that would otherwise become unreachable through the hole.
        for (int slot = (hole + 1) & mask; nodes[slot] != null; slot = (slot + 1) & mask) {
            int home = home(tags[slot]);
            boolean homeOutsideHoleToSlot = hole <= slot ? (home <= hole || home > slot) : (home <= hole && home > slot);
            if (homeOutsideHoleToSlot) {
                nodes[hole] = nodes[slot];
                tags[hole] = tags[slot];
                hole = slot;
            }
        }
        nodes[hole] = null;
        size--;
        if (nodes.length > MIN_CAPACITY && size * 8L < nodes.length) {
            resize(nodes.length >>> 1);
        }
        return found;
    }

    private int find(long seq) {
        int tag = tag(seq);
        int mask = nodes.length - 1;
        for (int slot = home(tag); ; slot = (slot + 1) & mask) {
            WheelNode node = nodes[slot];
            if (node == null) {
                return -1;
            }
            if (tags[slot] == tag && node.ref.seq() == seq) {
                return slot;
            }
        }
    }

    /** Fibonacci hashing: seqs are often consecutive, the multiply spreads them over the high bits. */
    private static int tag(long seq) {
        return (int) ((seq * 0x9E3779B97F4A7C15L) >>> 32);
    }

    private int home(int tag) {
        return tag >>> shift;
    }

    private void allocate(int capacity) {
        nodes = new WheelNode[capacity];
        tags = new int[capacity];
        shift = 32 - Integer.numberOfTrailingZeros(capacity);
    }

    private void resize(int capacity) {
        WheelNode[] oldNodes = nodes;
        int[] oldTags = tags;
        allocate(capacity);
        int mask = capacity - 1;
        for (int i = 0; i < oldNodes.length; i++) {
            if (oldNodes[i] != null) {
                int slot = home(oldTags[i]);
                while (nodes[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                nodes[slot] = oldNodes[i];
                tags[slot] = oldTags[i];
            }
        }
    }
}
