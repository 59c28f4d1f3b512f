package io.sundial.proxy.remoting;

import io.sundial.proxy.admin.AdminCodes;
import io.sundial.proxy.admin.AdminProcessor;
import io.sundial.proxy.admission.ClientCancels;
import io.sundial.proxy.admission.SendCheck;
import io.sundial.proxy.admission.TimedSends;
import io.sundial.proxy.config.RequestLimits;
import io.sundial.proxy.forward.BackendForwarder;
import io.sundial.proxy.ops.SundialMetrics;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.RouteRewriter;
import io.sundial.store.config.DaemonThreads;
import org.apache.rocketmq.remoting.common.TlsMode;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.netty.TlsSystemConfig;
import org.apache.rocketmq.remoting.protocol.RequestCode;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Sundial's one remoting port, served by rocketmq-remoting's {@link NettyRemotingServer}: name-server requests
 * (routes) and broker requests (sends, heartbeats) of producers, one processor per family, and Sundial's admin
 * commands ({@link AdminCodes}); anything else gets {@code REQUEST_CODE_NOT_SUPPORTED}. Sends are admitted into
 * the in-flight budget as they are decoded ({@link SendAdmission}).
 */
public final class SundialServer implements AutoCloseable {
    /** CHECK_CLIENT_CONFIG: consumers send it; answered for completeness. */
    private static final int CHECK_CLIENT_CONFIG = 46;

    private final NettyRemotingServer server;
    private final ExecutorService sendExecutor;
    private final ExecutorService otherExecutor;
    private final ExecutorService adminExecutor;

    /**
     * @param advertisedAddress the {@code host:port} put in routes; empty for {@code 127.0.0.1} and the bound port
     */
    public SundialServer(int listenPort, String advertisedAddress, BackendRoutes routes, BackendForwarder forwarder,
                         TimedSends timedSends, ClientCancels cancels, AdminProcessor admin,
                         SundialMetrics metrics, InflightBudget budget, RequestLimits limits) {
        NettyServerConfig config = new NettyServerConfig();
        config.setListenPort(listenPort);
        config.setBindAddress("0.0.0.0");
        config.setServerChannelMaxIdleTimeSeconds(limits.idleTimeoutSeconds());
        // Decode and encode on the selector threads: a separate codec group adds a thread hand-off per request and
        // per response, which on 2 cores cost more than the codec; processing stays on the processors' executors.
        config.setServerNettyWorkerGroupEnable(false);
        plaintextUnlessTlsConfigured();
        server = new AdmittingRemotingServer(config, new ConnectionLimit(limits.maxConnections()),
                new SendAdmission(budget, metrics));
        // No count limit: every send waiting here holds its bytes in the budget, which bounds the queue.
        sendExecutor = pool("sundial-send", 4, Integer.MAX_VALUE);
        otherExecutor = pool("sundial-request", 2, 10_000);
        // Admin commands may scan an index for seconds: their own threads keep routes and heartbeats answered.
        adminExecutor = pool("sundial-admin", 2, 100);
        server.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC,
                new RouteProcessor(routes, new RouteRewriter(() -> advertisedAddress.isEmpty() ? "127.0.0.1:" + port()
                        : advertisedAddress)), otherExecutor);
        SendProcessor send = new SendProcessor(forwarder, routes, timedSends, metrics, budget,
                new SendCheck(limits));
        server.registerProcessor(RequestCode.SEND_MESSAGE, send, sendExecutor);
        server.registerProcessor(RequestCode.SEND_MESSAGE_V2, send, sendExecutor);
        server.registerProcessor(RequestCode.SEND_BATCH_MESSAGE, send, sendExecutor);
        server.registerProcessor(RequestCode.SEND_REPLY_MESSAGE, send, sendExecutor);
        server.registerProcessor(RequestCode.SEND_REPLY_MESSAGE_V2, send, sendExecutor);
        server.registerProcessor(RequestCode.RECALL_MESSAGE, new RecallProcessor(cancels), sendExecutor);
        ClientProcessor client = new ClientProcessor();
        server.registerProcessor(RequestCode.HEART_BEAT, client, otherExecutor);
        server.registerProcessor(RequestCode.UNREGISTER_CLIENT, client, otherExecutor);
        server.registerProcessor(CHECK_CLIENT_CONFIG, client, otherExecutor);
        for (int code : AdminCodes.names().keySet()) {
            server.registerProcessor(code, admin, adminExecutor);
        }
        server.registerDefaultProcessor(new UnsupportedProcessor(), otherExecutor);
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

    public void start() {
        server.start();
    }

    /** The port bound (useful when configured as 0). */
    public int port() {
        return server.localListenPort();
    }

    @Override
    public void close() {
        server.shutdown();
        sendExecutor.shutdown();
        otherExecutor.shutdown();
        adminExecutor.shutdown();
    }
}
