package io.sundial.store.index;

/**
 * The key spaces of the index, one RocksDB column family each. The names are written to disk: never rename.
 */
public enum Table {
    /** Applied log position, next sequence, store format version. */
    META("meta"),
    /** {@code dueMs(8) | seq(8)} to the timer's location and identity: the loader reads this in order. */
    DUE("due"),
    /** {@code topic | uniqKey} to every timer (pending or recently ended) with that unique key. */
    UNIQ("uniq"),
    /** {@code topic | dueMs | seq} to the log location: lists one topic without touching others. */
    TOPIC("topic"),
    /** {@code topic | key | seq} to the due time: finds timers by a message key. */
    KEY("key"),
    /** Pending counts per topic and live counts and bytes per segment, kept with the merge operator. */
    COUNTER("counter"),
    /** {@code expiresAtMs(8) | seq(8)} to a {@link #UNIQ} key: when to forget a tombstone. */
    EXPIRY("expiry"),
    /** {@code topic | seq} to a timer held back by a permanent delivery failure, with the reason. */
    PARKED("parked"),
    /**
     * {@code seq} to the {@link #UNIQ} key of a timer no longer filed under its first due time (rescheduled or
     * parked), so that a look-up by the id its send answered (first due time and seq) still finds it.
     */
    MOVED("moved"),
    /** {@code topic} to when re-publishing it was paused (an admin command); survives restarts. */
    PAUSED("paused");

    private final String cfName;

    Table(String cfName) {
        this.cfName = cfName;
    }

    public String cfName() {
        return cfName;
    }
}
