package io.sundial.proxy.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The settings of an {@link EmbeddedCluster}, each with a default and a check that names the bad value. Immutable;
 * build one with {@link #builder(Path)}.
 *
 * <p>Port 0 means "pick a free one". The broker takes three ports: its {@code listenPort}, the fast channel at
 * {@code listenPort - 2} and the HA port at {@code listenPort + 1} (which binds every interface), so a broker port
 * must be at least 3 and all three must be free.
 */
public final class EmbeddedClusterConfig {
    public static final String DEFAULT_CLUSTER_NAME = "SundialCluster";
    public static final String DEFAULT_BROKER_NAME = "broker-a";
    public static final int DEFAULT_NAMESRV_HEAP_MB = 512;
    public static final int DEFAULT_BROKER_HEAP_MB = 1024;
    public static final int DEFAULT_NAMESRV_DIRECT_MB = 256;
    public static final int DEFAULT_BROKER_DIRECT_MB = 1024;
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);

    /** Broker keys the cluster sets itself from other settings; extra properties may not override them. */
    static final Set<String> RESERVED_BROKER_KEYS = Set.of(
        "brokerClusterName", "brokerName", "brokerId", "listenPort", "haListenPort", "namesrvAddr",
        "storePathRootDir", "storePathCommitLog", "rocketmqHome");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MIN_HEAP_MB = 64;

    private final Path dataDir;
    private final int namesrvPort;
    private final int brokerPort;
    private final String clusterName;
    private final String brokerName;
    private final int namesrvHeapMb;
    private final int brokerHeapMb;
    private final int namesrvDirectMb;
    private final int brokerDirectMb;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final Path libDir;
    private final boolean killOnClose;
    private final Map<String, String> brokerProperties;

    private EmbeddedClusterConfig(Builder b) {
        this.dataDir = b.dataDir.toAbsolutePath().normalize();
        this.namesrvPort = b.namesrvPort;
        this.brokerPort = b.brokerPort;
        this.clusterName = b.clusterName;
        this.brokerName = b.brokerName;
        this.namesrvHeapMb = b.namesrvHeapMb;
        this.brokerHeapMb = b.brokerHeapMb;
        this.namesrvDirectMb = b.namesrvDirectMb;
        this.brokerDirectMb = b.brokerDirectMb;
        this.startTimeout = b.startTimeout;
        this.stopTimeout = b.stopTimeout;
        this.libDir = b.libDir;
        this.killOnClose = b.killOnClose;
        this.brokerProperties = Collections.unmodifiableMap(new TreeMap<>(b.brokerProperties));
    }

    /** A builder with every default, for a cluster keeping its files under {@code dataDir}. */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The name server's port, or 0 to pick a free one. */
    public int namesrvPort() {
        return namesrvPort;
    }

    /** The broker's {@code listenPort}, or 0 to pick one whose fast-channel and HA neighbours are free too. */
    public int brokerPort() {
        return brokerPort;
    }

    public String clusterName() {
        return clusterName;
    }

    public String brokerName() {
        return brokerName;
    }

    public int namesrvHeapMb() {
        return namesrvHeapMb;
    }

    public int brokerHeapMb() {
        return brokerHeapMb;
    }

    public int namesrvDirectMb() {
        return namesrvDirectMb;
    }

    public int brokerDirectMb() {
        return brokerDirectMb;
    }

    /** How long each server may take from launch to "boot success" and an accepting port. */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** How long a server may take to exit after SIGTERM before it is killed. */
    public Duration stopTimeout() {
        return stopTimeout;
    }

    /** The directory of RocketMQ jars, or null to {@linkplain RocketMqLib#locate() locate} it. */
    public Path libDir() {
        return libDir;
    }

    /**
     * Whether {@link EmbeddedCluster#close()} kills the servers with SIGKILL instead of letting them shut down
     * (the broker's own shutdown takes about 10 s). For tests that throw their data away.
     */
    public boolean killOnClose() {
        return killOnClose;
    }

    /** Extra broker.conf entries (for example {@code timerPrecisionMs}), sorted by key. */
    public Map<String, String> brokerProperties() {
        return brokerProperties;
    }

    @Override
    public String toString() {
        return "EmbeddedClusterConfig{dataDir=" + dataDir + ", namesrvPort=" + namesrvPort
            + ", brokerPort=" + brokerPort + ", clusterName=" + clusterName + ", brokerName=" + brokerName
            + ", namesrvHeapMb=" + namesrvHeapMb + ", brokerHeapMb=" + brokerHeapMb
            + ", namesrvDirectMb=" + namesrvDirectMb + ", brokerDirectMb=" + brokerDirectMb
            + ", startTimeout=" + startTimeout + ", stopTimeout=" + stopTimeout + ", libDir=" + libDir
            + ", killOnClose=" + killOnClose
            + ", brokerProperties=" + brokerProperties + '}';
    }

    /** Collects settings; {@link #build()} checks them all and names the first bad one. Not thread-safe. */
    public static final class Builder {
        private final Path dataDir;
        private int namesrvPort;
        private int brokerPort;
        private String clusterName = DEFAULT_CLUSTER_NAME;
        private String brokerName = DEFAULT_BROKER_NAME;
        private int namesrvHeapMb = DEFAULT_NAMESRV_HEAP_MB;
        private int brokerHeapMb = DEFAULT_BROKER_HEAP_MB;
        private int namesrvDirectMb = DEFAULT_NAMESRV_DIRECT_MB;
        private int brokerDirectMb = DEFAULT_BROKER_DIRECT_MB;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
        private Path libDir;
        private boolean killOnClose;
        private final Map<String, String> brokerProperties = new TreeMap<>();

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        public Builder namesrvPort(int port) {
            this.namesrvPort = port;
            return this;
        }

        public Builder brokerPort(int port) {
            this.brokerPort = port;
            return this;
        }

        public Builder clusterName(String name) {
            this.clusterName = name;
            return this;
        }

        public Builder brokerName(String name) {
            this.brokerName = name;
            return this;
        }

        public Builder namesrvHeapMb(int mb) {
            this.namesrvHeapMb = mb;
            return this;
        }

        public Builder brokerHeapMb(int mb) {
            this.brokerHeapMb = mb;
            return this;
        }

        public Builder namesrvDirectMb(int mb) {
            this.namesrvDirectMb = mb;
            return this;
        }

        public Builder brokerDirectMb(int mb) {
            this.brokerDirectMb = mb;
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        public Builder libDir(Path dir) {
            this.libDir = dir;
            return this;
        }

        public Builder killOnClose(boolean kill) {
            this.killOnClose = kill;
            return this;
        }

        /** Adds or replaces one broker.conf entry, such as {@code timerPrecisionMs=100}. */
        public Builder brokerProperty(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, () -> "value of broker property " + key);
            brokerProperties.put(key, String.valueOf(value));
            return this;
        }

        /** Adds or replaces several broker.conf entries. */
        public Builder brokerProperties(Map<String, ?> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        public EmbeddedClusterConfig build() {
            checkPort("namesrvPort", namesrvPort, 1, 65535);
            checkPort("brokerPort", brokerPort, 3, 65534);
            if (namesrvPort != 0 && brokerPort != 0 && namesrvPort >= brokerPort - 2 && namesrvPort <= brokerPort + 1) {
                throw new IllegalArgumentException("namesrvPort " + namesrvPort + " collides with the broker's ports "
                    + (brokerPort - 2) + ", " + brokerPort + " and " + (brokerPort + 1));
            }
            checkName("clusterName", clusterName);
            checkName("brokerName", brokerName);
            checkAtLeast("namesrvHeapMb", namesrvHeapMb, MIN_HEAP_MB);
            checkAtLeast("brokerHeapMb", brokerHeapMb, MIN_HEAP_MB);
            checkAtLeast("namesrvDirectMb", namesrvDirectMb, MIN_HEAP_MB);
            checkAtLeast("brokerDirectMb", brokerDirectMb, MIN_HEAP_MB);
            checkPositive("startTimeout", startTimeout);
            checkPositive("stopTimeout", stopTimeout);
            for (Map.Entry<String, String> e : brokerProperties.entrySet()) {
                if (RESERVED_BROKER_KEYS.contains(e.getKey())) {
                    throw new IllegalArgumentException("broker property " + e.getKey() + "=" + e.getValue()
                        + " is set by the embedded cluster itself; use its own setting instead");
                }
                if (e.getKey().isBlank() || e.getKey().chars().anyMatch(c -> c == '=' || c == ':' || c <= ' ')) {
                    throw new IllegalArgumentException("broker property key '" + e.getKey() + "' is not a plain key");
                }
                if (e.getValue().indexOf('\n') >= 0 || e.getValue().indexOf('\r') >= 0) {
                    throw new IllegalArgumentException("broker property " + e.getKey()
                        + " has a line break in its value");
                }
            }
            return new EmbeddedClusterConfig(this);
        }

        private static void checkPort(String name, int port, int min, int max) {
            if (port != 0 && (port < min || port > max)) {
                throw new IllegalArgumentException(name + " is " + port + "; it must be 0 (pick a free one) or in "
                    + min + ".." + max);
            }
        }

        private static void checkName(String name, String value) {
            if (value == null || !NAME.matcher(value).matches()) {
                throw new IllegalArgumentException(name + " is '" + value
                    + "'; it must be 1 to 64 letters, digits, '_' or '-'");
            }
        }

        private static void checkAtLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " is " + value + "; it must be at least " + min);
            }
        }

        private static void checkPositive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " is " + value + "; it must be a positive duration");
            }
        }
    }
}
