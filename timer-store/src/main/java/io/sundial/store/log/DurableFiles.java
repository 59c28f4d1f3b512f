package io.sundial.store.log;

import io.sundial.store.record.RecordCodec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
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

    /**
     * Replaces {@code file} with {@code content} followed by its CRC32C, so that a crash leaves either the old file
     * or the new one, whole: written to a temporary file beside it, fsynced, renamed over it, the directory fsynced.
     */
    public static void replaceChecksummed(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer b = ByteBuffer.allocate(content.length + 4).put(content).putInt(RecordCodec.crc32c(content))
                .flip();
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                out.write(b);
            }
            out.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(file.toAbsolutePath().getParent());
    }

    /**
     * What {@link #replaceChecksummed} wrote, or null if there is no such file.
     *
     * @throws IOException if it cannot be read or its checksum does not match
     */
    public static byte[] readChecksummed(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (bytes.length < 4) {
            throw new IOException(file + " is damaged: " + bytes.length + " bytes");
        }
        byte[] content = Arrays.copyOf(bytes, bytes.length - 4);
        if (ByteBuffer.wrap(bytes).getInt(content.length) != RecordCodec.crc32c(content)) {
            throw new IOException(file + " is damaged: its checksum does not match");
        }
        return content;
    }

    /** Copies {@code file} into the directory {@code dir}, under its own name, if it exists. */
    public static void copyIfExists(Path file, Path dir) throws IOException {
        if (Files.exists(file)) {
            Files.copy(file, dir.resolve(file.getFileName()));
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
