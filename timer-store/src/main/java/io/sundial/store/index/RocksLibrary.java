package io.sundial.store.index;

import io.sundial.store.config.DaemonThreads;
import org.rocksdb.RocksDB;

/**
 * RocksDB's native library, loaded ahead of the index. Loading copies it out of its jar and links it: a quarter of
 * a second of a restart, in which producers cannot send. No logger here: its creation would wait for logback to
 * configure itself, which is what the loading is meant to run beside.
 */
public final class RocksLibrary {
    private RocksLibrary() {
    }

    /**
     * Starts loading the library on a daemon thread, so that an index opened soon after finds it loaded. A failure
     * is left to the opening of the index, which reports it.
     */
    public static void preload() {
        DaemonThreads.named("sundial-load-rocksdb").newThread(() -> {
            try {
                RocksDB.loadLibrary();
            } catch (RuntimeException | LinkageError e) {
                // the index's opening fails with it, and says so
            }
        }).start();
    }
}
