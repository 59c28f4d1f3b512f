package io.sundial.store;

/** The store's disk is below its headroom ({@code minFreeDiskBytes}): new timers are refused until space returns. */
public final class StoreFullException extends StoreException {
    public StoreFullException(String message) {
        super(message, null);
    }
}
