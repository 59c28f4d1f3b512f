package io.sundial.store.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** File operations the store needs to be durable, and to clean up after itself. Stateless. */
public final class DurableFiles {
    private DurableFiles() {
    }

    /** Fsyncs the directory {@code dir}, so that the names made or removed in it survive a power cut. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Writes the first {@code bytes} of {@code from} to the new file {@code to}, extended with zeros (sparsely) to
     * {@code length} if that is more, and fsyncs it.
     */
    public static void copyPrefix(FileChannel from, long bytes, Path to, long length) throws IOException {
        try (FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long copied = 0;
            while (copied < bytes) {
                long n = from.transferTo(copied, bytes - copied, out);
                if (n <= 0) {
                    throw new IOException("the file copied to " + to + " ended at " + copied + " of " + bytes
                            + " bytes");
                }
                copied += n;
            }
            if (length > bytes) {
                out.write(ByteBuffer.allocate(1), length - 1);
            }
            out.force(true);
        }
    }

    /** Deletes {@code root} and everything under it; nothing if it does not exist. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
