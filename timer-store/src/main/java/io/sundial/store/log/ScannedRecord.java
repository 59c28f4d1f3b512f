package io.sundial.store.log;

import io.sundial.store.record.LogRecord;

/** A record found by a sequential scan, with where it lies. */
public record ScannedRecord(long position, int size, LogRecord record) {
    /** The position just past this record. */
    public long end() {
        return position + size;
    }
}
