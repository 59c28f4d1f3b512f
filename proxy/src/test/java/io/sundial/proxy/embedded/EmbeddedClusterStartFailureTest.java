package io.sundial.proxy.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails says why and leaves nothing running. */
class EmbeddedClusterStartFailureTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldRefuseATakenPortBeforeLaunchingAnything() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int port = taken.getLocalPort();
            EmbeddedClusterConfig config = EmbeddedClusterConfig.builder(dataDir).namesrvPort(port).build();

            EmbeddedClusterException e = assertThrows(EmbeddedClusterException.class,
                () -> EmbeddedCluster.start(config));

            assertTrue(e.getMessage().contains(port + " is in use"), e.getMessage());
            assertEquals(List.of(), childrenUsing(dataDir));
        }
    }

    @Test
    @Tag("slow")
    void shouldReportTheBrokersLastOutputAndStopTheNameServer() {
        EmbeddedClusterConfig config = EmbeddedClusterConfig.builder(dataDir)
            .brokerHeapMb(100_000_000)
            .killOnClose(true)
            .build();

        EmbeddedClusterException e = assertThrows(EmbeddedClusterException.class,
            () -> EmbeddedCluster.start(config));

        assertTrue(e.getMessage().contains("broker (pid "), e.getMessage());
        assertTrue(e.getMessage().contains("exited with code"), e.getMessage());
        assertTrue(e.getMessage().contains("object heap"), e.getMessage());
        assertEquals(List.of(), childrenUsing(dataDir));
    }

    /** Live child processes of this JVM whose command line mentions {@code dir}. */
    private static List<ProcessHandle> childrenUsing(Path dir) {
        String needle = dir.toAbsolutePath().toString();
        return ProcessHandle.current().children()
            .filter(ProcessHandle::isAlive)
            .filter(p -> p.info().arguments().map(args -> String.join(" ", args).contains(needle)).orElse(false))
            .collect(Collectors.toList());
    }
}
