package io.sundial.store.record;

/** What a log record says. Its code is written to disk: never renumber. */
public enum RecordType {
    /** A new timer, with the full message. */
    TIMER(1),
    /** A timer cancelled before delivery. */
    CANCEL(2),
    /** A timer's due time changed. */
    RESCHEDULE(3),
    /** A live timer copied forward by compaction so that its old segment can be deleted. */
    MOVE(4);

    private final byte code;

    RecordType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The type for a code read from disk, or null for an unknown code. */
    public static RecordType of(byte code) {
        return switch (code) {
            case 1 -> TIMER;
            case 2 -> CANCEL;
            case 3 -> RESCHEDULE;
            case 4 -> MOVE;
            default -> null;
        };
    }

    /** TIMER and MOVE carry a whole message; CANCEL and RESCHEDULE only name one. */
    public boolean carriesMessage() {
        return this == TIMER || this == MOVE;
    }
}
