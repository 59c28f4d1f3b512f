package io.sundial.store;

import io.sundial.store.log.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The lowest sequence an index rebuilt from the log may hand out next. A rebuild learns the next sequence from the
 * records it replays; once space reclaim has deleted the segment of the newest timer, it would hand that timer's
 * sequence out again, and an id given to a producer long ago (its msgId names due time and sequence) could name a
 * new timer for an admin command. So before segments are deleted the index's next sequence is written here: eight
 * bytes and their CRC32C, replaced atomically (decision 0049).
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
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            LOG.warn("The sequence floor {} cannot be read ({}): a rebuilt index takes its next sequence from the log"
                    + " alone", file, e.toString());
            return 0;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length != 12 || crc(b.getLong(0)) != b.getInt(8)) {
            LOG.warn("The sequence floor {} is damaged ({} bytes): a rebuilt index takes its next sequence from the log"
                    + " alone", file, bytes.length);
            return 0;
        }
        return b.getLong(0);
    }

    /** Makes the floor at least {@code nextSeq}, durably, before the caller deletes segments. */
    synchronized void raiseTo(long nextSeq) throws IOException {
        if (nextSeq <= written) {
            return;
        }
        Path tmp = file.resolveSibling(FILE + ".tmp");
        ByteBuffer b = ByteBuffer.allocate(12).putLong(nextSeq).putInt(crc(nextSeq)).flip();
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                out.write(b);
            }
            out.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        DurableFiles.syncDirectory(file.getParent());
        written = nextSeq;
    }

    /** Copies the floor into a backup directory, if there is one. */
    void copyTo(Path dir) throws IOException {
        if (Files.exists(file)) {
            Files.copy(file, dir.resolve(FILE));
        }
    }

    private static int crc(long value) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).putLong(value).flip());
        return (int) crc.getValue();
    }
}
