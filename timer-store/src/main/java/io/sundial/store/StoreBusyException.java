package io.sundial.store;

/** The store cannot take more work now (its append queue is full); the caller should answer "busy" and let the client retry. */
public final class StoreBusyException extends StoreException {
    public StoreBusyException(String message) {
        super(message, null);
    }
}
