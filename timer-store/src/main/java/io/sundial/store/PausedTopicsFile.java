package io.sundial.store;

import io.sundial.store.log.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The paused topics, kept beside the index as well as in it: pausing is not a log record, so an index rebuilt from
 * the log would otherwise come back with every topic delivering (decision 0049). One line per topic, {@code topic}
 * TAB {@code pausedAtMs} (a RocketMQ topic has neither character), checksummed and replaced atomically. The index
 * stays the authority: opening the store rewrites this file from it when they differ.
 */
final class PausedTopicsFile {
    static final String FILE = "paused-topics";
    private static final Logger LOG = LoggerFactory.getLogger(PausedTopicsFile.class);

    private final Path file;

    PausedTopicsFile(Path storeDir) {
        this.file = storeDir.resolve(FILE);
    }

    /** The topics last written, with when each was paused; none if there is no file or it cannot be read. */
    Map<String, Long> read() {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            byte[] content = DurableFiles.readChecksummed(file);
            if (content == null) {
                return out;
            }
            for (String line : new String(content, StandardCharsets.UTF_8).split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    out.put(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)));
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.warn("The paused topics cannot be read from {} ({}): a rebuilt index pauses none of them", file,
                    e.getMessage());
            out.clear();
        }
        return out;
    }

    void write(Map<String, Long> paused) throws IOException {
        StringBuilder text = new StringBuilder();
        paused.forEach((topic, atMs) -> text.append(topic).append('\t').append(atMs).append('\n'));
        DurableFiles.replaceChecksummed(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Copies the file into a backup directory, if there is one. */
    void copyTo(Path dir) throws IOException {
        DurableFiles.copyIfExists(file, dir);
    }
}
