package io.sundial.store.index;

/** What the index knows of a timer. Codes are written to disk: never renumber. */
public enum TimerState {
    PENDING(0),
    DELIVERED(1),
    CANCELLED(2),
    /** Held back after a permanent delivery failure; kept until an operator releases or cancels it. */
    PARKED(3);

    private final byte code;

    TimerState(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    static TimerState of(byte code) {
        return switch (code) {
            case 0 -> PENDING;
            case 1 -> DELIVERED;
            case 2 -> CANCELLED;
            case 3 -> PARKED;
            default -> throw new IllegalArgumentException("unknown timer state code " + code);
        };
    }
}
