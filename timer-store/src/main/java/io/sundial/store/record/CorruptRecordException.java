package io.sundial.store.record;

/** A record failed its checks (length, magic, version or CRC): its bytes must never be used as data. */
public final class CorruptRecordException extends Exception {
    private final long position;

    public CorruptRecordException(long position, String reason) {
        super("corrupt timer-log record at position " + position + ": " + reason);
        this.position = position;
    }

    public long position() {
        return position;
    }
}
