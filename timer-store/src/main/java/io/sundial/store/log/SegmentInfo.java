package io.sundial.store.log;

/** What the log knows of one segment: where it starts, how big it is, how much is written, whether it is the active one. */
public record SegmentInfo(long base, int capacity, int written, boolean active) {
    public long end() {
        return base + capacity;
    }
}
