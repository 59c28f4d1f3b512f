package io.sundial.store.log;

/** When an append is durable, named as RocketMQ's {@code flushDiskType}. */
public enum FlushMode {
    /** An append completes only after the log is fsynced; appends that arrive together share one fsync. */
    SYNC_FLUSH,
    /** An append completes once written to the page cache; the log is fsynced on an interval. */
    ASYNC_FLUSH
}
