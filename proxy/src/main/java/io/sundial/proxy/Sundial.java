package io.sundial.proxy;

import io.sundial.proxy.admin.AdminOperations;
import io.sundial.proxy.admin.AdminProcessor;
import io.sundial.proxy.admission.ClientCancels;
import io.sundial.proxy.admission.DeliveryTimeParser;
import io.sundial.proxy.admission.TimedSends;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.dispatch.Republisher;
import io.sundial.proxy.forward.BackendClients;
import io.sundial.proxy.forward.BackendForwarder;
import io.sundial.proxy.ops.Health;
import io.sundial.proxy.ops.MeasuredDispatcher;
import io.sundial.proxy.ops.MisdirectedRequests;
import io.sundial.proxy.ops.OpsHttpServer;
import io.sundial.proxy.ops.SundialMetrics;
import io.sundial.proxy.remoting.InflightBudget;
import io.sundial.proxy.remoting.SundialServer;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.BrokerGate;
import io.sundial.store.TimerStore;
import io.sundial.store.config.DaemonThreads;
import io.sundial.store.log.SegmentChannels;
import io.sundial.store.service.TimerService;
import io.sundial.store.time.Clock;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * One Sundial process: the timer store, the backend client (routes, pass-through, re-publishing), the timer
 * service (wheel, loader, dispatch), metrics and health with their HTTP port, the admin operations and the
 * remoting server producers and admin commands connect to. {@link #start} opens them in that order (the backend
 * clients and the metrics registry beside the store's opening); {@link #close} closes in reverse: the server stops
 * taking requests first, the store closes last.
 */
public final class Sundial implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sundial.class);

    private final ProxyConfig config;
    private final Clock clock;
    private final SegmentChannels logChannels;
    private TimerStore store;
    private NettyRemotingClient backendClient;
    private NettyRemotingClient republishClient;
    private BackendRoutes routes;
    private SundialServer server;
    private TimerService timers;
    private AdminOperations admin;
    private SundialMetrics metrics;
    private Health health;
    private OpsHttpServer ops;
    private boolean closed;

    public Sundial(ProxyConfig config, Clock clock) {
        this(config, clock, SegmentChannels.FILES);
    }

    /** As {@link #Sundial(ProxyConfig, Clock)}, the timer log's files opened with {@code logChannels} (tests). */
    public Sundial(ProxyConfig config, Clock clock, SegmentChannels logChannels) {
        this.config = config;
        this.clock = clock;
        this.logChannels = logChannels;
    }

    /** Starts everything; on failure closes what it had opened and rethrows. */
    public synchronized Sundial start() throws IOException {
        // The backend clients (Netty, and RocketMQ's own logging: a few hundred classes) and the metrics registry
        // start while the store opens, on two cores: a restart is time in which producers cannot send.
        CompletableFuture<BackendClientPair> clients = beside("sundial-start-clients", this::startBackendClients);
        CompletableFuture<SundialMetrics> registry = beside("sundial-start-metrics", SundialMetrics::new);
        try {
            try {
                store = TimerStore.open(config.store(), clock, logChannels);
            } catch (IOException | RuntimeException e) {
                try {
                    takeBackendClients(clients); // so that close() shuts them down
                } catch (RuntimeException clientsFailed) {
                    e.addSuppressed(clientsFailed);
                }
                throw e;
            }
            takeBackendClients(clients);
            routes = new BackendRoutes(backendClient, config.backendNamesrvAddr(), config.routeRefreshMs(),
                    config.backendTimeoutMs(), clock);
            metrics = joined(registry);
            metrics.bind(store);
            BrokerGate gate = new BrokerGate(backendClient, config.backendTimeoutMs());
            BackendForwarder forwarder = new BackendForwarder(backendClient, routes, gate,
                    config.backendTimeoutMs(), metrics);
            timers = new TimerService(store, new MeasuredDispatcher(new Republisher(republishClient, routes, gate,
                    config.backendTimeoutMs(), clock), metrics, clock), config.service(), clock).start();
            metrics.bind(timers);
            health = new Health(store, timers, routes, config.backendTimeoutMs());
            ClientCancels cancels = new ClientCancels(store);
            TimedSends timedSends = new TimedSends(new DeliveryTimeParser(config.delayLevelsMs(),
                    Duration.ofMillis(config.maxDelayMs()), Duration.ofMillis(config.sendClockToleranceMs())), store,
                    cancels, routes, clock, metrics);
            MisdirectedRequests misdirected = new MisdirectedRequests(config.backendNamesrvAddr(), metrics, clock);
            metrics.bind(misdirected);
            admin = new AdminOperations(store, timers, config, routes, health, misdirected, clock);
            ops = new OpsHttpServer(config.metricsPort(), metrics, health).start();
            InflightBudget budget = new InflightBudget(config.limits().maxInflightBytes());
            metrics.bind(budget);
            server = new SundialServer(config.listenPort(), config.vipChannelEnabled(), config.advertisedAddress(),
                    routes, forwarder, timedSends, cancels, new AdminProcessor(admin, config.admin()), metrics,
                    budget, config.limits(), misdirected);
            server.start();
            LOG.info("Sundial serving producers on port {}{} in front of name server {}; metrics and health on "
                    + "http port {}", server.port(), server.vipPort() < 0 ? "" : " (VIP channel " + server.vipPort()
                    + ")", config.backendNamesrvAddr(), ops.port());
            return this;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private BackendClientPair startBackendClients() {
        NettyRemotingClient backend = BackendClients.unsigned();
        try {
            return new BackendClientPair(backend, config.backendAccessKey().isEmpty() ? backend
                    : BackendClients.signed(config.backendAccessKey(), config.backendSecretKey()));
        } catch (RuntimeException | Error e) {
            backend.shutdown();
            throw e;
        }
    }

    private void takeBackendClients(CompletableFuture<BackendClientPair> clients) {
        BackendClientPair pair = joined(clients);
        backendClient = pair.backend();
        republishClient = pair.republish();
    }

    private static <T> CompletableFuture<T> beside(String threadName, Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, t -> DaemonThreads.named(threadName).newThread(t).start());
    }

    /** What {@code started} made, or the exception it failed with. */
    private static <T> T joined(CompletableFuture<T> started) {
        try {
            return started.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** The unsigned client (routes, pass-through) and the one re-publishing, the same one unless Sundial signs. */
    private record BackendClientPair(NettyRemotingClient backend, NettyRemotingClient republish) {
    }

    /** The port producers connect to. */
    public int port() {
        return server.port();
    }

    /** The VIP channel's port ({@code listenPort - 2}), or -1 when not served. */
    public int vipPort() {
        return server.vipPort();
    }

    /** The HTTP port of /metrics and /health. */
    public int metricsPort() {
        return ops.port();
    }

    /** The address producers set as their name server. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    public ProxyConfig config() {
        return config;
    }

    public TimerStore store() {
        return store;
    }

    public TimerService timers() {
        return timers;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (server != null) {
            server.close();
        }
        if (ops != null) {
            ops.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (health != null) {
            health.close();
        }
        if (timers != null) {
            timers.close();
        }
        if (routes != null) {
            routes.close();
        }
        if (republishClient != null && republishClient != backendClient) {
            republishClient.shutdown();
        }
        if (backendClient != null) {
            backendClient.shutdown();
        }
        if (store != null) {
            store.close();
        }
    }
}
