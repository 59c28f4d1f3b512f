package io.sundial.store;

import io.sundial.store.log.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The lowest sequence an index rebuilt from the log may hand out next. A rebuild learns the next sequence from the
 * records it replays; once space reclaim has deleted the segment of the newest timer, it would hand that timer's
 * sequence out again, and an id given to a producer long ago (its msgId names due time and sequence) could name a
 * new timer for an admin command. So before segments are deleted the index's next sequence is written here,
 * checksummed and replaced atomically (decision 0049).
 */
final class SequenceFloor {
    static final String FILE = "sequence-floor";
    private static final Logger LOG = LoggerFactory.getLogger(SequenceFloor.class);

    private final Path file;
    private long written = -1;

    SequenceFloor(Path storeDir) {
        this.file = storeDir.resolve(FILE);
    }

    /** The floor last written, or 0 if none was (or it cannot be read: it is only a floor, so that is logged). */
    long read() {
        try {
            byte[] content = DurableFiles.readChecksummed(file);
            if (content == null) {
                return 0;
            }
            if (content.length != 8) {
                throw new IOException(file + " is damaged: " + content.length + " bytes");
            }
            return ByteBuffer.wrap(content).getLong();
        } catch (IOException e) {
            LOG.warn("The sequence floor cannot be read ({}): a rebuilt index takes its next sequence from the log"
                    + " alone", e.getMessage());
            return 0;
        }
    }

    /** Makes the floor at least {@code nextSeq}, durably, before the caller deletes segments. */
    synchronized void raiseTo(long nextSeq) throws IOException {
        if (nextSeq > written) {
            DurableFiles.replaceChecksummed(file, ByteBuffer.allocate(8).putLong(nextSeq).array());
            written = nextSeq;
        }
    }

    /** Copies the floor into a backup directory, if there is one. */
    void copyTo(Path dir) throws IOException {
        DurableFiles.copyIfExists(file, dir);
    }
}
