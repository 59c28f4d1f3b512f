package io.sundial.store.index;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RocksKeyValueStoreTest {
    @TempDir
    Path dir;

    @Test
    void shouldCompactOnTheLowestCpuPriority() throws Exception {
        try (RocksKeyValueStore kv = new RocksKeyValueStore(dir, 16 << 20)) {
            // Enough level-0 files for an automatic compaction, which runs in the low-priority pool.
            for (int file = 0; file < 8; file++) {
                try (KeyValueStore.Batch b = kv.newBatch()) {
                    for (int i = 0; i < 1000; i++) {
                        b.put(Table.DUE, Keys.due(i, file), new byte[64]);
                    }
                    kv.write(b, false);
                }
                kv.flushMemtables();
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            List<Integer> nices;
            do {
                Thread.sleep(50);
                nices = compactionThreadNices();
            } while (!nices.contains(19) && System.nanoTime() < deadline);
            assertTrue(nices.contains(19), "nice values of RocksDB's compaction threads: " + nices);
        }
    }

    /** The nice value of each of this process's threads named rocksdb:low (Linux /proc). */
    private static List<Integer> compactionThreadNices() throws IOException {
        List<Integer> nices = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (!Files.readString(task.resolve("comm")).startsWith("rocksdb:low")) {
                        continue;
                    }
                    String stat = Files.readString(task.resolve("stat"));
                    // after "(comm) ": state is field 3 of the stat line, nice field 19
                    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    nices.add(Integer.parseInt(after[19 - 3]));
                } catch (NoSuchFileException threadEnded) {
                    // listed, then gone
                }
            }
        }
        return nices;
    }

    @Test
    void shouldAddAndSubtractCountersWithTheMergeOperatorAcrossReopen() {
        byte[] key = Keys.topicCounter("T");
        try (RocksKeyValueStore kv = new RocksKeyValueStore(dir, 16 << 20)) {
            try (KeyValueStore.Batch b = kv.newBatch()) {
                b.addCounter(key, 5);
                b.addCounter(key, -2);
                kv.write(b, false);
            }
            assertEquals(3, kv.counter(key));
        }
        try (RocksKeyValueStore kv = new RocksKeyValueStore(dir, 16 << 20)) {
            try (KeyValueStore.Batch b = kv.newBatch()) {
                b.addCounter(key, -3);
                kv.write(b, true);
            }
            assertEquals(0, kv.counter(key));
        }
    }

    @Test
    void shouldIterateOnlyWithinBounds() {
        try (RocksKeyValueStore kv = new RocksKeyValueStore(dir, 16 << 20)) {
            try (KeyValueStore.Batch b = kv.newBatch()) {
                for (int i = 0; i < 10; i++) {
                    b.put(Table.DUE, Keys.due(i, 0), new byte[] {(byte) i});
                }
                kv.write(b, false);
            }
            int seen = 0;
            try (KeyValueStore.Cursor c = kv.range(Table.DUE, Keys.due(3, 0), Keys.due(7, 0))) {
                while (c.next()) {
                    assertEquals(3 + seen, c.value()[0]);
                    seen++;
                }
            }
            assertEquals(4, seen);
            assertNull(kv.get(Table.UNIQ, Keys.due(3, 0)), "tables are separate key spaces");
        }
    }

    @Test
    void shouldConfigureCompactOnDeletionForTheDueTable() throws Exception {
        try (RocksKeyValueStore kv = new RocksKeyValueStore(dir, 16 << 20)) {
            assertTrue(kv.sizeOnDisk() > 0);
        }
        Path options;
        try (Stream<Path> files = Files.list(dir)) {
            options = files.filter(p -> p.getFileName().toString().startsWith("OPTIONS-")).sorted()
                    .reduce((a, b) -> b).orElseThrow();
        }
        String text = Files.readString(options);
        int due = text.indexOf("[CFOptions \"due\"]");
        assertTrue(due > 0, "due table options present");
        int next = text.indexOf("[TableOptions", due);
        assertTrue(text.substring(due, next).contains("CompactOnDeletionCollector"),
                "the due table collects deletions to trigger compaction");
    }

    @Test
    void shouldWrapOpenFailuresWithTheOperation() throws Exception {
        Path file = dir.resolve("not-a-dir");
        Files.writeString(file, "x");
        IndexException e = assertThrows(IndexException.class, () -> new RocksKeyValueStore(file, 16 << 20));
        assertTrue(e.getMessage().startsWith("index "), e.getMessage());
    }
}
