package io.sundial.store;

/** The store failed to do what was asked, with the cause. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
