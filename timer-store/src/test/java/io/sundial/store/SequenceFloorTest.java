package io.sundial.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SequenceFloorTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepTheHighestFloorAcrossInstancesAndReadNoneAsZero() throws Exception {
        assertEquals(0, new SequenceFloor(dir).read(), "none written yet");
        SequenceFloor floor = new SequenceFloor(dir);
        floor.raiseTo(500);
        floor.raiseTo(300); // never lowered
        assertEquals(500, new SequenceFloor(dir).read());
        assertEquals(false, Files.exists(dir.resolve(SequenceFloor.FILE + ".tmp")), "the temporary file was renamed");
    }

    @Test
    void shouldReadADamagedFloorAsZero() throws Exception {
        new SequenceFloor(dir).raiseTo(1234);
        byte[] bytes = Files.readAllBytes(dir.resolve(SequenceFloor.FILE));
        bytes[3] ^= 1;
        Files.write(dir.resolve(SequenceFloor.FILE), bytes);
        assertEquals(0, new SequenceFloor(dir).read(), "a damaged floor is not trusted");
        Files.write(dir.resolve(SequenceFloor.FILE), new byte[5]);
        assertEquals(0, new SequenceFloor(dir).read(), "nor a short one");
    }
}
