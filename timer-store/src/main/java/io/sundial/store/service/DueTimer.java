package io.sundial.store.service;

import io.sundial.store.index.DueEntry;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.TimerMessage;

import java.util.Objects;

/**
 * A due timer handed to the {@link Dispatcher}: its index entry (still pending when it was read), its record as
 * stored (checksum verified) and when the wheel fired it.
 *
 * @param entry     the timer as the due index holds it; {@code entry.dueMs()} is when it was due
 * @param record    its log record, carrying the message to re-publish
 * @param firedAtMs the wall-clock epoch ms at which it fired, never before {@code entry.dueMs()}
 */
public record DueTimer(DueEntry entry, LogRecord record, long firedAtMs) {
    public DueTimer {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(record, "record");
    }

    /** The message to re-publish. */
    public TimerMessage message() {
        return record.message();
    }
}
