package io.sundial.compat;

import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
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

    private static Running start() {
        try {
            Path dir = Files.createTempDirectory("sundial-compat");
            EmbeddedCluster cluster = EmbeddedCluster.start(EmbeddedClusterConfig.builder(dir.resolve("rocketmq"))
                    .brokerProperty("autoCreateTopicEnable", true)
                    .build());
            Sundial sundial;
            try {
                Properties p = new Properties();
                p.setProperty(ProxyConfig.LISTEN_PORT, "0");
                p.setProperty(ProxyConfig.BACKEND_NAMESRV_ADDR, cluster.namesrvAddr());
                p.setProperty("storePathRootDir", dir.resolve("sundial").toString());
                p.setProperty("flushDiskType", "ASYNC_FLUSH");
                sundial = new Sundial(ProxyConfig.fromProperties(p), Clock.SYSTEM).start();
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
