package io.sundial.proxy;

import io.sundial.proxy.config.ProxyConfig;
import io.sundial.store.StoreConfig;
import io.sundial.store.StoreException;
import io.sundial.store.TimerStore;
import io.sundial.store.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start and close of a whole Sundial without a cluster: the backend clients start on their own thread while the
 * store opens, and must be shut down however the start ends.
 */
class SundialLifecycleTest {
    @TempDir
    Path dir;

    private ProxyConfig config() {
        Properties p = new Properties();
        p.setProperty(ProxyConfig.LISTEN_PORT, "0");
        p.setProperty(ProxyConfig.METRICS_PORT, "0");
        // Nothing listens there: routes are looked up lazily, so the start does not need the cluster.
        p.setProperty(ProxyConfig.BACKEND_NAMESRV_ADDR, "127.0.0.1:1");
        p.setProperty("storePathRootDir", dir.resolve("store").toString());
        p.setProperty(StoreConfig.MIN_FREE_DISK_BYTES, "1m");
        return ProxyConfig.fromProperties(p);
    }

    /** Live threads of backend clients (each starts a house-keeping timer; event loops on connect). */
    private static Set<Thread> clientThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("ClientHouseKeepingService")
                        || t.getName().startsWith("NettyClient") || t.getName().startsWith("sundial-start-clients"))
                .collect(Collectors.toSet());
    }

    /** Names of the live client threads not among {@code before}: other tests' clients in this JVM are not ours. */
    private static Set<String> startedSince(Set<Thread> before) {
        return clientThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName)
                .collect(Collectors.toSet());
    }

    /** As {@link #startedSince}, once they are gone or after 10 s. */
    private static Set<String> leftSince(Set<Thread> before) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        Set<String> left = startedSince(before);
        while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            left = startedSince(before);
        }
        return left;
    }

    @Test
    void shouldServeAndLeaveNoClientThreadsAfterClose() throws Exception {
        Set<Thread> before = clientThreads();
        Sundial sundial = new Sundial(config(), Clock.SYSTEM).start();
        assertTrue(sundial.port() > 0);
        Set<String> started = startedSince(before);
        assertTrue(started.contains("ClientHouseKeepingService"), started.toString());
        sundial.close();
        assertEquals(Set.of(), leftSince(before));
    }

    @Test
    void shouldShutTheBackendClientsDownWhenTheStoreDoesNotOpen() throws Exception {
        ProxyConfig config = config();
        Set<Thread> before = clientThreads();
        // The store directory is held by another open store (RocksDB's lock), so this start fails at the store.
        try (TimerStore holder = TimerStore.open(config.store(), Clock.SYSTEM)) {
            Sundial second = new Sundial(config, Clock.SYSTEM);
            assertThrows(StoreException.class, second::start);
        }
        assertEquals(Set.of(), leftSince(before), "the clients started beside the store were not shut down");
    }
}
