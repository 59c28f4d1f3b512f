package io.sundial.store.index;

/** A failure of the index's storage engine, naming the operation that failed. Unchecked: nothing can retry it locally. */
public final class IndexException extends RuntimeException {
    public IndexException(String operation, Throwable cause) {
        super("index " + operation + " failed: " + cause.getMessage(), cause);
    }
}
