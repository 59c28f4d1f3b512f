package io.sundial.proxy.embedded;

import io.sundial.proxy.net.FreePorts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A real RocketMQ 5.5.0 name server and broker, each in a child JVM of its own, for the quickstart and the tests.
 *
 * <p>The servers run from the jars of the {@code rocketmq-dist} module ({@link RocketMqLib}), never from Sundial's
 * classpath, whose {@code rocksdbjni} would clash with the broker's own {@code org.rocksdb} classes. Everything they
 * write stays under the data directory ({@link DataLayout}); all addresses are 127.0.0.1. {@link #start} returns
 * once the name server is up and the broker is up and registered with it, so clients started afterwards find the
 * broker (about 9 s on two cores).
 *
 * <p>Lifecycle: name server, then an admin client, then the broker; {@link #close()} stops them in reverse order,
 * only the processes this instance started, and is idempotent. A JVM shutdown hook stops any that are left when the
 * JVM exits. For failure tests the broker can be stopped (gracefully, about 10 s) or killed (SIGKILL, as a crash),
 * started again on the same store and ports, and frozen with SIGSTOP; the name server can be frozen or restarted.
 * Thread-safe: every method that changes or reads a process is synchronized.
 *
 * <pre>{@code
 * try (EmbeddedCluster cluster = EmbeddedCluster.start(EmbeddedClusterConfig.builder(dir).build())) {
 *     cluster.createTopic("orders", 4, EmbeddedCluster.PERM_READ_WRITE);
 *     producer.setNamesrvAddr(cluster.namesrvAddr());
 * }
 * }</pre>
 */
public final class EmbeddedCluster implements AutoCloseable {
    /** Topic permission: readable and writable. */
    public static final int PERM_READ_WRITE = 6;
    /** Topic permission: readable only; producers find no writable queue. */
    public static final int PERM_READ_ONLY = 4;

    private static final String BOOT_SUCCESS = "boot success";
    private static final Duration UNREGISTER_TIMEOUT = Duration.ofSeconds(15);

    private final EmbeddedClusterConfig config;
    private final DataLayout layout;
    private final RocketMqLib lib;
    private final int namesrvPort;
    private final int brokerPort;
    private ChildJvm namesrv;
    private ClusterAdmin admin;
    private ChildJvm broker;
    private boolean closed;

    private EmbeddedCluster(EmbeddedClusterConfig config, DataLayout layout, RocketMqLib lib, int namesrvPort,
                            int brokerPort) {
        this.config = config;
        this.layout = layout;
        this.lib = lib;
        this.namesrvPort = namesrvPort;
        this.brokerPort = brokerPort;
    }

    /**
     * Picks ports, writes the configuration, starts the name server, then the broker, and waits for both to be
     * ready. If anything fails, whatever was started is stopped before the exception leaves.
     *
     * @throws EmbeddedClusterException if the jars are missing, a port is taken, or a server exits or is not
     *     ready within the start timeout (the message then ends with the server's last output lines)
     */
    public static EmbeddedCluster start(EmbeddedClusterConfig config) {
        return start(config, 0);
    }

    /**
     * Starts only a broker, registered with the name server of {@code cluster} (which keeps running it): a second
     * broker group of that cluster, for multi-broker tests. Its config names the broker (another
     * {@linkplain EmbeddedClusterConfig#brokerName() broker name}) and its own data directory; its namesrvPort is
     * ignored. {@link #close()} stops only this broker; close it before {@code cluster}.
     *
     * @throws EmbeddedClusterException as {@link #start}
     */
    public static EmbeddedCluster joinBroker(EmbeddedCluster cluster, EmbeddedClusterConfig config) {
        // A broker port that collides with the cluster's is in use, which start's port check already refuses.
        return start(config, cluster.namesrvPort());
    }

    /** Starts a name server and a broker, or only a broker when {@code joinNamesrvPort} names a running one. */
    private static EmbeddedCluster start(EmbeddedClusterConfig config, int joinNamesrvPort) {
        RocketMqLib lib = config.libDir() != null ? RocketMqLib.at(config.libDir()) : RocketMqLib.locate();
        boolean joinNamesrv = joinNamesrvPort != 0;
        int namesrvPort = joinNamesrv ? joinNamesrvPort : config.namesrvPort();
        int brokerPort = config.brokerPort();
        Set<Integer> taken = new HashSet<>();
        if (brokerPort != 0) {
            requireFree("broker", FreePorts.brokerPorts(brokerPort));
            taken.addAll(FreePorts.brokerPorts(brokerPort));
        }
        if (joinNamesrv) {
            taken.add(namesrvPort);
        } else if (namesrvPort != 0) {
            requireFree("name server", List.of(namesrvPort));
        } else {
            namesrvPort = FreePorts.pickSingle(taken);
        }
        taken.add(namesrvPort);
        if (brokerPort == 0) {
            brokerPort = FreePorts.pickBroker(taken);
        }

        DataLayout layout = new DataLayout(config.dataDir());
        try {
            layout.create();
            if (!joinNamesrv) {
                ServerConfigWriter.writeProperties(layout, ServerConfigWriter.NAMESRV,
                    ServerConfigWriter.namesrvProperties(layout, namesrvPort));
                ServerConfigWriter.writeLogback(layout, ServerConfigWriter.NAMESRV);
            }
            ServerConfigWriter.writeProperties(layout, ServerConfigWriter.BROKER,
                ServerConfigWriter.brokerProperties(config, layout, namesrvPort, brokerPort));
            ServerConfigWriter.writeLogback(layout, ServerConfigWriter.BROKER);
        } catch (IOException e) {
            throw new EmbeddedClusterException("could not write the cluster's files under " + layout.root(), e);
        }

        EmbeddedCluster cluster = new EmbeddedCluster(config, layout, lib, namesrvPort, brokerPort);
        try {
            if (joinNamesrv) {
                cluster.admin = new ClusterAdmin(cluster.namesrvAddr());
            } else {
                cluster.startNamesrv();
            }
            cluster.startBroker();
            return cluster;
        } catch (RuntimeException e) {
            try {
                cluster.close();
            } catch (RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    /** The name server's address, {@code 127.0.0.1:port}, for {@code setNamesrvAddr}. */
    public String namesrvAddr() {
        return ServerConfigWriter.LOOPBACK + ":" + namesrvPort;
    }

    /** The broker's address, {@code 127.0.0.1:listenPort}, as it registers with the name server. */
    public String brokerAddr() {
        return ServerConfigWriter.LOOPBACK + ":" + brokerPort;
    }

    public int namesrvPort() {
        return namesrvPort;
    }

    /** The broker's {@code listenPort}; it also binds {@code listenPort - 2} (fast channel) and {@code + 1} (HA). */
    public int brokerPort() {
        return brokerPort;
    }

    /** Every port the cluster binds: the name server's, then the broker's fast-channel, listen and HA ports. */
    public List<Integer> ports() {
        List<Integer> ports = new ArrayList<>();
        ports.add(namesrvPort);
        ports.addAll(FreePorts.brokerPorts(brokerPort));
        return ports;
    }

    public String clusterName() {
        return config.clusterName();
    }

    public String brokerName() {
        return config.brokerName();
    }

    public Path dataDir() {
        return layout.root();
    }

    /** The directory of the servers' logs and their captured stdout and stderr. */
    public Path logDir() {
        return layout.logs();
    }

    public EmbeddedClusterConfig config() {
        return config;
    }

    /**
     * The name server's process id.
     *
     * @throws IllegalStateException if it is not running (the cluster is closed)
     */
    public synchronized long namesrvPid() {
        return running(namesrv, "name server").pid();
    }

    /**
     * The broker's process id.
     *
     * @throws IllegalStateException if it is not running (stopped, killed, or the cluster closed)
     */
    public synchronized long brokerPid() {
        return running(broker, "broker").pid();
    }

    /** Whether the broker started by this cluster is alive; a suspended broker is alive. */
    public synchronized boolean isBrokerRunning() {
        return broker != null && broker.isAlive();
    }

    public synchronized boolean isBrokerSuspended() {
        return broker != null && broker.isSuspended();
    }

    /**
     * Stops the broker gracefully (SIGTERM: it flushes and unregisters; SIGKILL after the stop timeout), keeps its
     * store, and returns once the name server no longer lists it. Does nothing if it is not running.
     */
    public synchronized void stopBroker() {
        endBroker(false);
    }

    /**
     * Kills the broker with SIGKILL, as a crash would: no flush, no unregistration. Returns once the process is
     * gone and the name server, having seen the connection drop, no longer lists it. Does nothing if it is not
     * running.
     */
    public synchronized void killBroker() {
        endBroker(true);
    }

    /**
     * Starts the broker on the same store and ports, from a fresh copy of the written broker.conf, and waits until
     * it is ready and registered.
     *
     * @throws IllegalStateException if the broker is running or the cluster is closed
     * @throws EmbeddedClusterException if it does not become ready; it is then stopped again
     */
    public synchronized void startBroker() {
        requireOpen();
        if (broker != null) {
            throw new IllegalStateException("broker " + broker + " is already running");
        }
        broker = launch(ServerConfigWriter.BROKER, layout.brokerDir(), brokerPort,
            conf -> ServerCommands.broker(lib, layout, config, conf, namesrvPort));
        try {
            admin.awaitRegistered(brokerName(), brokerAddr(), brokerPermission(), config.startTimeout());
        } catch (RuntimeException e) {
            ChildJvm failed = broker;
            broker = null;
            stopQuietly(failed, e);
            throw new EmbeddedClusterException(e.getMessage() + "\n" + failed.outputTail(), e);
        }
    }

    /** Freezes the broker with SIGSTOP: its connections stay open and requests to it time out. */
    public synchronized void suspendBroker() {
        running(broker, "broker").suspend();
    }

    /** Thaws a broker frozen by {@link #suspendBroker()}. */
    public synchronized void resumeBroker() {
        running(broker, "broker").resume();
    }

    /**
     * Stops the name server gracefully and starts it again on the same port. It comes back knowing no broker: the
     * broker registers again at its next {@code registerNameServerPeriod} (30 s by default), and until then every
     * topic reads as missing. {@link #awaitBrokerRegistered} ends that gap at once.
     *
     * @throws EmbeddedClusterException if the name server does not become ready again
     */
    public synchronized void restartNamesrv() {
        running(namesrv, "name server");
        ChildJvm ending = namesrv;
        namesrv = null;
        ending.stop(config.stopTimeout());
        namesrv = launch(ServerConfigWriter.NAMESRV, layout.namesrvDir(), namesrvPort,
            conf -> ServerCommands.namesrv(lib, layout, config, conf));
    }

    /** Whether the name server lists the broker as its group's master now. */
    public synchronized boolean isBrokerRegistered() {
        running(namesrv, "name server");
        return admin.isRegistered(brokerName(), brokerAddr());
    }

    /** Waits until the name server lists the broker again, asking the broker to register if it does not. */
    public synchronized void awaitBrokerRegistered(Duration timeout) {
        running(broker, "broker");
        admin.awaitRegistered(brokerName(), brokerAddr(), brokerPermission(), timeout);
    }

    /** Freezes the name server with SIGSTOP: its connections stay open and route requests to it time out. */
    public synchronized void suspendNamesrv() {
        running(namesrv, "name server").suspend();
    }

    /** Thaws a name server frozen by {@link #suspendNamesrv()}. */
    public synchronized void resumeNamesrv() {
        running(namesrv, "name server").resume();
    }

    /**
     * Creates {@code topic} on the broker, or changes its queue count and permission, and returns once the name
     * server routes it so. Producers and consumers started afterwards see it at once; running ones on their next
     * route poll.
     *
     * @param queues read and write queue count, 1 to 1024
     * @param perm {@link #PERM_READ_WRITE}, {@link #PERM_READ_ONLY}, or other RocketMQ permission bits (0 to 7)
     */
    public synchronized void createTopic(String topic, int queues, int perm) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("topic is '" + topic + "'; it must not be blank");
        }
        if (queues < 1 || queues > 1024) {
            throw new IllegalArgumentException("queues is " + queues + " for topic " + topic
                + "; it must be in 1..1024");
        }
        if (perm < 0 || perm > 7) {
            throw new IllegalArgumentException("perm is " + perm + " for topic " + topic + "; it must be in 0..7");
        }
        running(broker, "broker");
        admin.createTopic(brokerAddr(), brokerName(), topic, queues, perm);
    }

    /** Deletes {@code topic} from the broker and the name server. */
    public synchronized void deleteTopic(String topic) {
        running(broker, "broker");
        admin.deleteTopic(brokerAddr(), topic);
    }

    /**
     * Stops the broker, the admin client, then the name server: exactly the processes this instance started,
     * gracefully unless the config says {@linkplain EmbeddedClusterConfig#killOnClose() kill}. Idempotent; returns
     * when the processes are gone.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = attempt(null, this::endBrokerOnClose);
        failure = attempt(failure, this::closeAdmin);
        failure = attempt(failure, this::endNamesrv);
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public synchronized String toString() {
        return "EmbeddedCluster{namesrv=" + namesrvAddr() + ", broker=" + brokerName() + "@" + brokerAddr()
            + ", dataDir=" + layout.root() + (closed ? ", closed" : "") + '}';
    }

    private void startNamesrv() {
        namesrv = launch(ServerConfigWriter.NAMESRV, layout.namesrvDir(), namesrvPort,
            conf -> ServerCommands.namesrv(lib, layout, config, conf));
        admin = new ClusterAdmin(namesrvAddr());
    }

    /** Copies the server's conf into {@code runDir}, launches it and waits; stops it again if it is not ready. */
    private ChildJvm launch(String server, Path runDir, int port, CommandFactory commands) {
        Path runConf;
        try {
            runConf = ServerConfigWriter.copyForRun(layout, server, runDir);
        } catch (IOException e) {
            throw new EmbeddedClusterException("could not copy the " + server + " conf into " + runDir, e);
        }
        ChildJvm jvm = ChildJvm.launch(server, commands.command(runConf), runDir,
            ServerCommands.environment(layout), layout.stdout(server), layout.stderr(server));
        try {
            jvm.awaitReady(BOOT_SUCCESS, port, config.startTimeout());
            return jvm;
        } catch (RuntimeException e) {
            stopQuietly(jvm, e);
            throw e;
        }
    }

    private void endBroker(boolean kill) {
        if (broker == null) {
            return;
        }
        ChildJvm ending = broker;
        broker = null;
        if (kill) {
            ending.kill();
        } else {
            ending.stop(config.stopTimeout());
        }
        if (admin != null && namesrv != null && namesrv.isAlive()) {
            admin.awaitUnregistered(brokerName(), brokerAddr(), UNREGISTER_TIMEOUT);
        }
    }

    private void endBrokerOnClose() {
        if (broker != null) {
            ChildJvm ending = broker;
            broker = null;
            end(ending);
        }
    }

    private void endNamesrv() {
        if (namesrv != null) {
            ChildJvm ending = namesrv;
            namesrv = null;
            end(ending);
        }
    }

    private void end(ChildJvm jvm) {
        if (config.killOnClose()) {
            jvm.kill();
        } else {
            jvm.stop(config.stopTimeout());
        }
    }

    private void closeAdmin() {
        if (admin != null) {
            ClusterAdmin closing = admin;
            admin = null;
            closing.close();
        }
    }

    private void stopQuietly(ChildJvm jvm, RuntimeException cause) {
        try {
            jvm.stop(config.stopTimeout());
        } catch (RuntimeException stopFailure) {
            cause.addSuppressed(stopFailure);
        }
    }

    /** The broker's {@code brokerPermission} as configured; RocketMQ's default is 6 (read and write). */
    private String brokerPermission() {
        return config.brokerProperties().getOrDefault("brokerPermission", Integer.toString(PERM_READ_WRITE));
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("cluster " + layout.root() + " is closed");
        }
    }

    private ChildJvm running(ChildJvm jvm, String what) {
        requireOpen();
        if (jvm == null) {
            throw new IllegalStateException(what + " of cluster " + layout.root() + " is not running");
        }
        return jvm;
    }

    /** Runs one close step; a failure is kept (or added to the first) so that the later steps still run. */
    private static RuntimeException attempt(RuntimeException failure, Runnable step) {
        try {
            step.run();
            return failure;
        } catch (RuntimeException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
            return failure;
        }
    }

    private static void requireFree(String server, List<Integer> ports) {
        for (int port : ports) {
            if (!FreePorts.isFree(port, true)) {
                throw new EmbeddedClusterException("the " + server + " needs ports " + ports + " but " + port
                    + " is in use");
            }
        }
    }

    /** Builds a server's command line once its run-time conf copy is known. */
    @FunctionalInterface
    private interface CommandFactory {
        List<String> command(Path runConf);
    }
}
