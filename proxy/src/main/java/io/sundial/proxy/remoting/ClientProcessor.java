package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandlerContext;
import io.sundial.proxy.ops.MisdirectedRequests;
import org.apache.rocketmq.remoting.common.RemotingHelper;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * Heartbeats (34), unregistration (35) and client-config checks (46): acknowledged. Sundial keeps no producer
 * registry: it serves no transaction check-backs (transactional sends are refused) and pushes nothing. A
 * heartbeat that names consumer groups is told to {@link MisdirectedRequests}, and still acknowledged: a client
 * instance may hold a producer as well.
 */
final class ClientProcessor implements NettyRequestProcessor {
    private final MisdirectedRequests misdirected;

    ClientProcessor(MisdirectedRequests misdirected) {
        this.misdirected = misdirected;
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
        if (request.getCode() == RequestCode.HEART_BEAT) {
            misdirected.heartbeat(request.getBody(), RemotingHelper.parseChannelRemoteAddr(ctx.channel()));
        }
        return RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
    }

    @Override
    public boolean rejectRequest() {
        return false;
    }
}
