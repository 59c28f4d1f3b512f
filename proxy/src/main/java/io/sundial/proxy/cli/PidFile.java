package io.sundial.proxy.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code sundial.pid} under the store's root directory: the process id of the Sundial running on that store, for
 * {@code bin/sundial stop} and {@code status}. One store, one Sundial: a start finding a live process refuses.
 */
final class PidFile {
    static final String NAME = "sundial.pid";

    private final Path path;

    PidFile(Path storeRoot) {
        this.path = storeRoot.resolve(NAME);
    }

    Path path() {
        return path;
    }

    /** The live process the file names, if any (a stale file, left by a crash, names none). */
    Optional<ProcessHandle> running() throws IOException {
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        String text = Files.readString(path, StandardCharsets.UTF_8).trim();
        try {
            return ProcessHandle.of(Long.parseLong(text)).filter(ProcessHandle::isAlive);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    void writeCurrent() throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
    }

    /** Removes the file if it names this process (a later start's file is left alone). */
    void deleteIfOurs() throws IOException {
        if (Files.exists(path)
                && Files.readString(path, StandardCharsets.UTF_8).trim().equals(Long.toString(ProcessHandle.current().pid()))) {
            Files.delete(path);
        }
    }
}
