package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;

/**
 * rocketmq-remoting's server with one more handler, right before the one that hands requests to the processors'
 * executors: {@link SendAdmission}, which is why sends waiting in those executors' queues are already counted.
 */
final class AdmittingRemotingServer extends NettyRemotingServer {
    private final ChannelHandler admission;

    AdmittingRemotingServer(NettyServerConfig config, ChannelHandler admission) {
        super(config);
        this.admission = admission;
    }

    @Override
    protected ChannelPipeline configChannel(SocketChannel ch) {
        ChannelPipeline pipeline = super.configChannel(ch);
        String dispatcher = pipeline.context(getServerHandler()).name();
        return pipeline.addBefore(getDefaultEventExecutorGroup(), dispatcher, "sundialSendAdmission", admission);
    }
}
