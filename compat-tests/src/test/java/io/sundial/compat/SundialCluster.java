package io.sundial.compat;

import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.store.StoreConfig;
import io.sundial.store.log.SegmentChannels;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.proxy.embedded.EmbeddedClusterConfig;
import io.sundial.store.time.Clock;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A JUnit 5 extension that starts one real RocketMQ 5.5.0 cluster (child JVMs) and one Sundial in front of it
 * for the whole test run — shared by every test class that uses it — on free ports in a temporary directory,
 * and closes them in reverse order when the run ends. Tests receive it as a parameter.
 */
public final class SundialCluster implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SundialCluster.class);
    /** The admin token of every Sundial the tests start. */
    public static final String ADMIN_TOKEN = "compat-admin-token";

    /** Used by JUnit through {@code @ExtendWith}. */
    public SundialCluster() {
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == Running.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return c.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Running.class, k -> start(), Running.class);
    }

    /**
     * Starts a Sundial in front of {@code namesrvAddr} with its store in {@code storeDir} on {@code port} (0: a free
     * one), with admin token {@link #ADMIN_TOKEN}, metrics on a free port, and further settings as key, value
     * pairs.
     */
    public static Sundial startSundial(String namesrvAddr, Path storeDir, int port, String... settings)
            throws IOException {
        return startSundial(namesrvAddr, storeDir, port, SegmentChannels.FILES, settings);
    }

    /** As {@link #startSundial(String, Path, int, String...)}, its log opened with {@code logChannels}. */
    public static Sundial startSundial(String namesrvAddr, Path storeDir, int port, SegmentChannels logChannels,
                                       String... settings) throws IOException {
        Properties p = new Properties();
        p.setProperty(ProxyConfig.LISTEN_PORT, Integer.toString(port));
        p.setProperty(ProxyConfig.BACKEND_NAMESRV_ADDR, namesrvAddr);
        p.setProperty("storePathRootDir", storeDir.toString());
        p.setProperty(ProxyConfig.ADMIN_TOKEN, ADMIN_TOKEN);
        p.setProperty(ProxyConfig.METRICS_PORT, "0");
        // A small headroom: a test machine short of disk (seen with 287 MB free) should not refuse every timer.
        p.setProperty(StoreConfig.MIN_FREE_DISK_BYTES, "64m");
        for (int i = 0; i + 1 < settings.length; i += 2) {
            p.setProperty(settings[i], settings[i + 1]);
        }
        return new Sundial(ProxyConfig.fromProperties(p), Clock.SYSTEM, logChannels).start();
    }

    private static Running start() {
        try {
            Path dir = Files.createTempDirectory("sundial-compat");
            EmbeddedCluster cluster = EmbeddedCluster.start(EmbeddedClusterConfig.builder(dir.resolve("rocketmq"))
                    .brokerProperty("autoCreateTopicEnable", true)
                    // The broker then creates RMQ_SYS_TRACE_TOPIC, the default trace topic (MessageTraceTest).
                    .brokerProperty("traceTopicEnable", true)
                    // SQL92 subscriptions (FilteredConsumersTest).
                    .brokerProperty("enablePropertyFilter", true)
                    .build());
            Sundial sundial;
            try {
                sundial = startSundial(cluster.namesrvAddr(), dir.resolve("sundial"), 0,
                        "flushDiskType", "ASYNC_FLUSH");
            } catch (IOException | RuntimeException e) {
                cluster.close();
                throw e;
            }
            return new Running(dir, cluster, sundial);
        } catch (IOException e) {
            throw new IllegalStateException("could not start the test cluster", e);
        }
    }

    /** The started cluster and Sundial; closed by JUnit when the test run ends (Sundial first). */
    public static final class Running implements ExtensionContext.Store.CloseableResource {
        private final Path dir;
        private final EmbeddedCluster cluster;
        private final Sundial sundial;

        Running(Path dir, EmbeddedCluster cluster, Sundial sundial) {
            this.dir = dir;
            this.cluster = cluster;
            this.sundial = sundial;
        }

        /** The address producers use: Sundial's. */
        public String sundialAddr() {
            return sundial.address();
        }

        /** The real name server, for consumers. */
        public String namesrvAddr() {
            return cluster.namesrvAddr();
        }

        public EmbeddedCluster cluster() {
            return cluster;
        }

        public Sundial sundial() {
            return sundial;
        }

        @Override
        public void close() throws IOException {
            try {
                sundial.close();
            } finally {
                cluster.close();
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }
}
