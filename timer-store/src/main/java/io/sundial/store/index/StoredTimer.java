package io.sundial.store.index;

/**
 * A timer still in the store, found by an admin look-up: pending in the due index, or parked.
 *
 * @param entry  where it is filed (for a parked one, where it was filed when it was parked)
 * @param parked whether it is parked (see {@link ParkedTimer})
 */
public record StoredTimer(DueEntry entry, boolean parked) {
}
