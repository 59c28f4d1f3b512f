package io.sundial.store.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens the file channel of a timer-log segment. Production opens the file; tests wrap the channel to make the
 * disk fail (an I/O error on write or fsync) on cue, since a real disk cannot be made to fail without root.
 */
@FunctionalInterface
public interface SegmentChannels {
    /** Opens files for reading and writing, as they are. */
    SegmentChannels FILES = path -> FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);

    /** Opens the existing segment file {@code path} for reading and writing. */
    FileChannel open(Path path) throws IOException;
}
