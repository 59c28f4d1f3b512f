package io.sundial.proxy.remoting;

import io.sundial.proxy.admin.AdminCodes;
import io.sundial.proxy.admin.AdminProcessor;
import io.sundial.proxy.admission.ClientCancels;
import io.sundial.proxy.admission.SendCheck;
import io.sundial.proxy.admission.TimedSends;
import io.sundial.proxy.config.RequestLimits;
import io.sundial.proxy.forward.BackendForwarder;
import io.sundial.proxy.ops.MisdirectedRequests;
import io.sundial.proxy.ops.SundialMetrics;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.RouteRewriter;
import io.sundial.store.config.DaemonThreads;
import org.apache.rocketmq.remoting.common.TlsMode;
import org.apache.rocketmq.remoting.RemotingServer;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.netty.TlsSystemConfig;
import org.apache.rocketmq.remoting.protocol.RequestCode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Sundial's remoting port (and its VIP channel, the port minus 2), served by rocketmq-remoting's
 * {@link NettyRemotingServer}: name-server requests
 * (routes) and broker requests (sends, heartbeats) of producers, one processor per family, and Sundial's admin
 * commands ({@link AdminCodes}); anything else gets {@code REQUEST_CODE_NOT_SUPPORTED}. Sends are admitted into
 * the in-flight budget as they are decoded ({@link SendAdmission}).
 */
public final class SundialServer implements AutoCloseable {
    /** CHECK_CLIENT_CONFIG: consumers send it; answered for completeness. */
    private static final int CHECK_CLIENT_CONFIG = 46;

    private final NettyRemotingServer server;
    private final boolean vipChannel;
    private final List<Registration> registrations = new ArrayList<>();
    private final NettyRequestProcessor unsupported;
    private final ExecutorService sendExecutor;
    private final ExecutorService otherExecutor;
    private final ExecutorService adminExecutor;
    /** The VIP channel's listener once started, or null. */
    private RemotingServer vipServer;

    /**
     * @param advertisedAddress the {@code host:port} put in routes; empty for {@code 127.0.0.1} and the bound port
     * @param vipChannel also serve {@code listenPort - 2} (see {@link #vipPort()}); ignored with a listenPort of 0
     */
    public SundialServer(int listenPort, boolean vipChannel, String advertisedAddress, BackendRoutes routes,
                         BackendForwarder forwarder, TimedSends timedSends, ClientCancels cancels, AdminProcessor admin,
                         SundialMetrics metrics, InflightBudget budget, RequestLimits limits,
                         MisdirectedRequests misdirected) {
        this.vipChannel = vipChannel && listenPort != 0;
        NettyServerConfig config = new NettyServerConfig();
        config.setListenPort(listenPort);
        config.setBindAddress("0.0.0.0");
        config.setServerChannelMaxIdleTimeSeconds(limits.idleTimeoutSeconds());
        // Decode and encode on the selector threads: a separate codec group adds a thread hand-off per request and
        // per response, which on 2 cores cost more than the codec; processing stays on the processors' executors.
        config.setServerNettyWorkerGroupEnable(false);
        plaintextUnlessTlsConfigured();
        AdmittingRemotingServer admitting = new AdmittingRemotingServer(config,
                new ConnectionLimit(limits.maxConnections()), new SendAdmission(budget, metrics));
        if (TlsSystemConfig.tlsMode != TlsMode.DISABLED && !admitting.tlsContextLoaded()) {
            admitting.shutdown();
            throw new IllegalStateException("tls.server.mode is " + TlsSystemConfig.tlsMode.getName() + " but no TLS"
                    + " context could be built (the cause is in rocketmq_client.log under the log directory): set"
                    + " tls.test.mode.enable=false, tls.server.certPath and tls.server.keyPath (a PEM certificate and"
                    + " PKCS#8 key) in SUNDIAL_JAVA_OPTS, or drop tls.server.mode to serve plaintext");
        }
        server = admitting;
        // No count limit: every send waiting here holds its bytes in the budget, which bounds the queue.
        sendExecutor = pool("sundial-send", 4, Integer.MAX_VALUE);
        otherExecutor = pool("sundial-request", 2, 10_000);
        // Admin commands may scan an index for seconds: their own threads keep routes and heartbeats answered.
        adminExecutor = pool("sundial-admin", 2, 100);
        register(RequestCode.GET_ROUTEINFO_BY_TOPIC,
                new RouteProcessor(routes, new RouteRewriter(() -> advertisedAddress.isEmpty() ? "127.0.0.1:" + port()
                        : advertisedAddress)), otherExecutor);
        SendProcessor send = new SendProcessor(forwarder, routes, timedSends, metrics, budget,
                new SendCheck(limits));
        for (int code : SendProcessor.CODES) {
            register(code, send, sendExecutor);
        }
        register(RequestCode.RECALL_MESSAGE, new RecallProcessor(cancels), sendExecutor);
        ClientProcessor client = new ClientProcessor(misdirected);
        register(RequestCode.HEART_BEAT, client, otherExecutor);
        register(RequestCode.UNREGISTER_CLIENT, client, otherExecutor);
        register(CHECK_CLIENT_CONFIG, client, otherExecutor);
        for (int code : AdminCodes.names().keySet()) {
            register(code, admin, adminExecutor);
        }
        unsupported = new UnsupportedProcessor(misdirected);
        registerAll(server);
    }

    private void register(int code, NettyRequestProcessor processor, ExecutorService executor) {
        registrations.add(new Registration(code, processor, executor));
    }

    private void registerAll(RemotingServer target) {
        for (Registration r : registrations) {
            target.registerProcessor(r.code(), r.processor(), r.executor());
        }
        target.registerDefaultProcessor(unsupported, otherExecutor);
    }

    private record Registration(int code, NettyRequestProcessor processor, ExecutorService executor) {
    }

    /**
     * RocketMQ's server defaults to TLS "permissive" and then makes a self-signed test certificate at every start:
     * an RSA key generation that took 0.5-2 s of a restart on a busy 2-core machine, for a certificate no stock
     * client trusts. Producers speak plaintext unless {@code -Dtls.server.mode} (with RocketMQ's {@code tls.*}
     * properties) asks otherwise (docs/compatibility.md).
     */
    private static void plaintextUnlessTlsConfigured() {
        if (System.getProperty(TlsSystemConfig.TLS_SERVER_MODE) == null) {
            TlsSystemConfig.tlsMode = TlsMode.DISABLED;
        }
    }

    private static ExecutorService pool(String name, int threads, int queue) {
        return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(queue),
                DaemonThreads.numbered(name));
    }

    /**
     * Binds the port, then the VIP channel's. The listener of {@code listenPort - 2} shares the port's pipeline and
     * event loops (rocketmq-remoting's sub-server, as a broker's fast port does) and gets the same processors.
     *
     * @throws IllegalStateException naming the setting when the VIP channel's port cannot be bound
     */
    public void start() {
        server.start();
        if (vipChannel) {
            int port = port() - 2;
            RemotingServer vip = server.newRemotingServer(port);
            registerAll(vip);
            try {
                vip.start();
            } catch (Exception e) { // Netty's bind rethrows its BindException unchecked
                server.removeRemotingServer(port);
                throw new IllegalStateException("cannot listen on " + port + ", listenPort - 2, where clients with"
                        + " vipChannelEnabled send (" + e.getMessage() + "); free the port or set "
                        + "vipChannelEnabled=false", e);
            }
            vipServer = vip;
        }
    }

    /** The port bound (useful when configured as 0). */
    public int port() {
        return server.localListenPort();
    }

    /**
     * The VIP channel's port, {@code listenPort - 2}: a client with {@code vipChannelEnabled} (the default of older
     * 4.x clients) sends to a broker's port minus 2, so to Sundial's minus 2. -1 when not served.
     */
    public int vipPort() {
        return vipServer == null ? -1 : vipServer.localListenPort();
    }

    @Override
    public void close() {
        if (vipServer != null) {
            server.removeRemotingServer(vipServer.localListenPort());
            vipServer.shutdown();
        }
        server.shutdown();
        sendExecutor.shutdown();
        otherExecutor.shutdown();
        adminExecutor.shutdown();
    }
}
