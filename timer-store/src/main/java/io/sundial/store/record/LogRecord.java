package io.sundial.store.record;

import java.util.Objects;

/**
 * One decoded timer-log record. TIMER and MOVE records carry the whole message; CANCEL and RESCHEDULE name
 * their timer by sequence, topic and unique key, so that replay can apply them without reading the original.
 *
 * @param type          what the record says
 * @param seq           the timer's sequence: its identity in the store, kept by RESCHEDULE and MOVE
 * @param dueMs         TIMER/MOVE: when it is due; CANCEL: its due time when cancelled; RESCHEDULE: the new one
 * @param enqueueMs     when Sundial first accepted the timer (TIMER/MOVE) or when the change was made
 * @param previousDueMs RESCHEDULE: the due time it replaces; otherwise 0
 * @param fingerprint   TIMER/MOVE: body CRC and properties, to recognise a producer's retry; CANCEL: the position
 *                      of the cancelled timer's record plus one, 0 if not known (written before decision 0048);
 *                      otherwise 0
 * @param topic         the timer's topic
 * @param uniqKey       the timer's {@code UNIQ_KEY}
 * @param message       TIMER/MOVE: the message; otherwise null
 */
public record LogRecord(
        RecordType type,
        long seq,
        long dueMs,
        long enqueueMs,
        long previousDueMs,
        long fingerprint,
        String topic,
        String uniqKey,
        TimerMessage message) {

    public LogRecord {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(uniqKey, "uniqKey");
        if (type.carriesMessage() != (message != null)) {
            throw new IllegalArgumentException(type + " record " + (message == null ? "needs" : "takes no") + " message");
        }
    }

    public static LogRecord timer(long seq, long dueMs, long enqueueMs, long fingerprint, String uniqKey,
                                  TimerMessage message) {
        return new LogRecord(RecordType.TIMER, seq, dueMs, enqueueMs, 0, fingerprint, message.topic(), uniqKey,
                message);
    }

    /** A cancel of the timer whose record lies at {@code recordPosition} (decision 0048: compaction needs it). */
    public static LogRecord cancel(long seq, long dueMs, long atMs, String topic, String uniqKey, long recordPosition) {
        return new LogRecord(RecordType.CANCEL, seq, dueMs, atMs, 0, recordPosition + 1, topic, uniqKey, null);
    }

    /** CANCEL: where the record of the timer it cancelled lay, or -1 if the record does not say. */
    public long cancelledRecordPosition() {
        if (type != RecordType.CANCEL) {
            throw new IllegalStateException("only a CANCEL record names a cancelled record, not " + type);
        }
        return fingerprint - 1;
    }

    public static LogRecord reschedule(long seq, long newDueMs, long previousDueMs, long atMs, String topic,
                                       String uniqKey) {
        return new LogRecord(RecordType.RESCHEDULE, seq, newDueMs, atMs, previousDueMs, 0, topic, uniqKey, null);
    }

    /** This timer record as compaction re-appends it: same sequence and message, its current due time. */
    public LogRecord movedTo(long currentDueMs) {
        if (!type.carriesMessage()) {
            throw new IllegalStateException("only a TIMER or MOVE record can be moved, not " + type);
        }
        return new LogRecord(RecordType.MOVE, seq, currentDueMs, enqueueMs, 0, fingerprint, topic, uniqKey, message);
    }

    /** The same record with another sequence (the log assigns sequences when it appends). */
    public LogRecord withSeq(long newSeq) {
        return new LogRecord(type, newSeq, dueMs, enqueueMs, previousDueMs, fingerprint, topic, uniqKey, message);
    }
}
