package io.sundial.store.record;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Reads records written by format version 1 from a file kept in the repository, so that a change to the codec
 * that would make existing stores unreadable fails here. The file was written by {@link #main}; never
 * regenerate it for a new version: add a file for the new version beside it.
 */
class FormatV1Test {
    private static final String RESOURCE = "/format/records-v1.bin";

    static List<LogRecord> expected() {
        String props = MessageProperties.with(MessageProperties.with(MessageProperties.with("", "UNIQ_KEY",
                "7F00000100012A9F4B2C0001"), "KEYS", "order-1 order-2"), "TAGS", "tagA");
        TimerMessage m = new TimerMessage("TopicA", 3, "broker-a", "TBW102", 8, "pg", 0x301, 42,
                1_700_000_000_123L, "127.0.0.1:60000", 2, props, new byte[] {1, 2, 3, 4, 5});
        return List.of(
                LogRecord.timer(7, 1_800_000_000_000L, 1_700_000_000_500L, 0x0123_4567_89AB_CDEFL,
                        "7F00000100012A9F4B2C0001", m),
                // Written before decision 0048: the cancel does not say where the cancelled record lay.
                LogRecord.cancel(7, 1_800_000_000_000L, 1_700_000_001_000L, "TopicA", "7F00000100012A9F4B2C0001", -1),
                LogRecord.reschedule(8, 1_900_000_000_000L, 1_800_000_000_000L, 1_700_000_002_000L, "TopicB", "K"),
                LogRecord.timer(9, 1, 2, 3, "K9", m).movedTo(1_950_000_000_000L));
    }

    @Test
    void shouldReadRecordsWrittenByVersionOne() throws Exception {
        byte[] bytes;
        try (InputStream in = FormatV1Test.class.getResourceAsStream(RESOURCE)) {
            assertNotNull(in, RESOURCE);
            bytes = in.readAllBytes();
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        List<LogRecord> read = new ArrayList<>();
        while (buf.hasRemaining()) {
            int length = buf.getInt(buf.position());
            ByteBuffer one = buf.slice(buf.position(), length);
            read.add(RecordCodec.decode(one, buf.position()));
            buf.position(buf.position() + length);
        }
        assertEquals(expected(), read);
        assertEquals(-1, read.get(1).cancelledRecordPosition());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, read.get(0).message().body());
    }

    /** Writes the fixture: {@code java ... FormatV1Test <file>}. */
    public static void main(String[] args) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        for (LogRecord r : expected()) {
            out.put(RecordCodec.encode(r));
        }
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        Files.write(Path.of(args[0]), bytes);
    }
}
