package io.sundial.bench;

import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.proxy.embedded.EmbeddedClusterConfig;
import io.sundial.store.log.DurableFiles;
import org.apache.rocketmq.client.producer.DefaultMQProducer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One broker configuration of a bench run: a real RocketMQ 5.5.0 name server and broker on a fresh store (or two
 * broker groups, as production clusters have), Sundial (a child process) in front of them, and one warm producer
 * per target, kept for the whole phase as an application keeps its producer.
 *
 * <p>Lifecycle: {@link #start} brings up the cluster, then Sundial, then the producers; {@link #close} stops them
 * in reverse order.
 */
final class Phase implements AutoCloseable {
    /** Queues of every topic a run creates, over all broker groups. */
    private static final int TOPIC_QUEUES = 8;

    private final String name;
    private final Path dir;
    private final BenchSettings settings;
    private final Map<String, String> brokerProperties;
    private final int brokerGroups;
    private EmbeddedCluster cluster;
    /** The second broker group, or null with one. */
    private EmbeddedCluster secondGroup;
    private SundialNode sundial;
    private DefaultMQProducer toSundial;
    private DefaultMQProducer toBroker;
    private String sundialFlush;

    private Phase(String name, Path dir, BenchSettings settings, Map<String, String> brokerProperties,
                  int brokerGroups) {
        this.name = name;
        this.dir = dir;
        this.settings = settings;
        this.brokerProperties = brokerProperties;
        this.brokerGroups = brokerGroups;
    }

    /** A phase of {@code brokerGroups} (1 or 2) broker groups, each configured with {@code brokerProperties}. */
    static Phase start(String name, Path dir, BenchSettings settings, Map<String, String> brokerProperties,
                       int brokerGroups) throws Exception {
        if (brokerGroups < 1 || brokerGroups > 2) {
            throw new IllegalArgumentException("a phase has 1 or 2 broker groups, not " + brokerGroups);
        }
        Phase p = new Phase(name, dir, settings, new LinkedHashMap<>(brokerProperties), brokerGroups);
        try {
            DurableFiles.deleteTree(dir);
            p.startCluster(0, 0);
            p.sundial = new SundialNode(settings.home(), dir.resolve("sundial"), settings.sundialJavaOpts(),
                    settings.sundialProperties());
            p.startSundial(settings.sundialFlush(), true);
            p.startProducers();
            return p;
        } catch (Exception e) {
            p.close();
            throw e;
        }
    }

    String name() {
        return name;
    }

    String namesrv() {
        return cluster.namesrvAddr();
    }

    DefaultMQProducer producer(Target target) {
        return target == Target.SUNDIAL ? toSundial : toBroker;
    }

    String sundialFlush() {
        return sundialFlush;
    }

    /**
     * A topic of 8 queues, routed by the name server before this returns: on the broker, or 4 on each of two
     * groups (so that a producer's round-robin alternates between the groups, as it does in production).
     */
    void createTopic(String topic) {
        int queues = TOPIC_QUEUES / brokerGroups;
        cluster.createTopic(topic, queues, EmbeddedCluster.PERM_READ_WRITE);
        if (secondGroup != null) {
            secondGroup.createTopic(topic, queues, EmbeddedCluster.PERM_READ_WRITE);
        }
    }

    Map<String, LongSupplier> pids() {
        Map<String, LongSupplier> pids = new LinkedHashMap<>();
        pids.put("sundial", sundial::pid);
        pids.put("broker", () -> cluster.isBrokerRunning() ? cluster.brokerPid() : -1);
        if (secondGroup != null) {
            pids.put("broker-b", () -> secondGroup.isBrokerRunning() ? secondGroup.brokerPid() : -1);
        }
        return pids;
    }

    long sundialPid() {
        return sundial.pid();
    }

    long brokerPid() {
        return cluster.brokerPid();
    }

    Path sundialStore() {
        return sundial.store();
    }

    /** Sundial's remoting address, for admin requests (its admin token is not required in the bench). */
    String sundialAddress() {
        return sundial.address();
    }

    /** A directory of this phase's workspace for the benchmark's own files. */
    Path scratch(String name) {
        return dir.resolve(name);
    }

    Path brokerStore() {
        return cluster.dataDir().resolve("store");
    }

    /** Restarts Sundial with {@code flushDiskType}; {@code fresh} deletes its store first. Returns ms to serving. */
    long startSundial(String flushDiskType, boolean fresh) throws IOException, InterruptedException {
        if (fresh) {
            sundial.wipe();
        } else {
            sundial.stop();
        }
        sundial.configure(cluster.namesrvAddr(), flushDiskType);
        sundialFlush = flushDiskType;
        return sundial.start();
    }

    /** Stops Sundial gracefully and starts it on the same store: ms from launch to serving. */
    long restartSundial() throws IOException, InterruptedException {
        return startSundial(sundialFlush, false);
    }

    /** Stops the name server and broker gracefully and starts both on the same store: ms to ready. */
    long restartCluster() {
        requireOneGroup("restartCluster");
        int namesrvPort = cluster.namesrvPort();
        int brokerPort = cluster.brokerPort();
        cluster.close();
        long t0 = System.nanoTime();
        startCluster(namesrvPort, brokerPort);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** A new, empty cluster on the same ports and a new, empty Sundial store, for a run that measures from zero. */
    void startAfresh() throws Exception {
        requireOneGroup("startAfresh");
        int namesrvPort = cluster.namesrvPort();
        int brokerPort = cluster.brokerPort();
        closeProducers();
        sundial.stop();
        cluster.close();
        DurableFiles.deleteTree(cluster.dataDir());
        startCluster(namesrvPort, brokerPort);
        startSundial(settings.sundialFlush(), true);
        startProducers();
    }

    private void requireOneGroup(String what) {
        if (secondGroup != null) {
            throw new IllegalStateException(what + " restarts one broker group; phase " + name + " has two");
        }
    }

    private void startCluster(int namesrvPort, int brokerPort) {
        EmbeddedClusterConfig.Builder b = EmbeddedClusterConfig.builder(dir.resolve("rocketmq"))
                .namesrvPort(namesrvPort).brokerPort(brokerPort).brokerHeapMb(settings.brokerHeapMb());
        brokerProperties.forEach(b::brokerProperty);
        cluster = EmbeddedCluster.start(b.build());
        if (brokerGroups == 2) {
            EmbeddedClusterConfig.Builder second = EmbeddedClusterConfig.builder(dir.resolve("rocketmq-b"))
                    .brokerName(cluster.brokerName() + "-b").brokerHeapMb(settings.brokerHeapMb());
            brokerProperties.forEach(second::brokerProperty);
            secondGroup = EmbeddedCluster.joinBroker(cluster, second.build());
        }
    }

    private void startProducers() throws Exception {
        toSundial = producer("bench-to-sundial", sundial.address());
        toBroker = producer("bench-to-broker", cluster.namesrvAddr());
    }

    private static DefaultMQProducer producer(String group, String namesrv) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(group);
        p.setNamesrvAddr(namesrv);
        p.setInstanceName(group + "-" + System.nanoTime());
        p.setSendMsgTimeout(10_000);
        p.setMaxMessageSize(4 * 1024 * 1024);
        p.start();
        return p;
    }

    private void closeProducers() {
        if (toBroker != null) {
            toBroker.shutdown();
            toBroker = null;
        }
        if (toSundial != null) {
            toSundial.shutdown();
            toSundial = null;
        }
    }

    @Override
    public void close() throws Exception {
        closeProducers();
        if (sundial != null) {
            sundial.close();
        }
        if (secondGroup != null) {
            secondGroup.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
