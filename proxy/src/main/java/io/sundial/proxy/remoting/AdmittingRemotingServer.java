package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;

/**
 * rocketmq-remoting's server with two more handlers: {@link ConnectionLimit} first, and {@link SendAdmission} right
 * before the handler that hands requests to the processors' executors — which is why sends waiting in those
 * executors' queues are already counted.
 */
final class AdmittingRemotingServer extends NettyRemotingServer {
    private final ChannelHandler connectionLimit;
    private final ChannelHandler admission;

    AdmittingRemotingServer(NettyServerConfig config, ChannelHandler connectionLimit, ChannelHandler admission) {
        super(config);
        this.connectionLimit = connectionLimit;
        this.admission = admission;
    }

    /**
     * Whether TLS can be served: rocketmq-remoting builds the context at construction unless its TLS mode is
     * disabled, and when that fails (a certificate that does not load, or none and no way to make a test one)
     * it logs to its own log and serves plaintext only.
     */
    boolean tlsContextLoaded() {
        return sslContext != null;
    }

    @Override
    protected ChannelPipeline configChannel(SocketChannel ch) {
        ChannelPipeline pipeline = super.configChannel(ch);
        pipeline.addFirst("sundialConnectionLimit", connectionLimit);
        String dispatcher = pipeline.context(getServerHandler()).name();
        return pipeline.addBefore(getDefaultEventExecutorGroup(), dispatcher, "sundialSendAdmission", admission);
    }
}
