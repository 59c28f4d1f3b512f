package io.sundial.store.index;

/** A failure of the index's storage engine, naming the operation that failed. Unchecked: nothing can retry it locally. */
public final class IndexException extends RuntimeException {
    public IndexException(String operation, Throwable cause) {
        super("index " + operation + " failed: " + cause.getMessage(), cause);
    }

    /**
     * Whether RocksDB refused for want of space: its file cap reached, or the disk full. RocksDB reports both as an
     * IOError without a usable sub-code through rocksdbjni, so the message is what tells.
     */
    public boolean outOfSpace() {
        String m = String.valueOf(getCause() == null ? getMessage() : getCause().getMessage());
        return m.contains("Max allowed space was reached") || m.contains("No space left on device")
                || m.contains("NoSpace");
    }
}
