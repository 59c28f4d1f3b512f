package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandlerContext;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * Heartbeats (34), unregistration (35) and client-config checks (46): acknowledged. Sundial keeps no producer
 * registry: it serves no transaction check-backs (transactional sends are refused) and pushes nothing.
 */
final class ClientProcessor implements NettyRequestProcessor {
    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
        return RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
    }

    @Override
    public boolean rejectRequest() {
        return false;
    }
}
