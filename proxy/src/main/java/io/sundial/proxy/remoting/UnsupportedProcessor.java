package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandlerContext;
import io.sundial.proxy.ops.MisdirectedRequests;
import org.apache.rocketmq.remoting.common.RemotingHelper;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RemotingSysResponseCode;

/**
 * Every request code Sundial does not serve: {@code REQUEST_CODE_NOT_SUPPORTED} with a remark naming it, and a
 * word to {@link MisdirectedRequests}, which logs the first of each code.
 */
final class UnsupportedProcessor implements NettyRequestProcessor {
    private final MisdirectedRequests misdirected;

    UnsupportedProcessor(MisdirectedRequests misdirected) {
        this.misdirected = misdirected;
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
        misdirected.refused(request.getCode(), RemotingHelper.parseChannelRemoteAddr(ctx.channel()));
        return RemotingCommand.createResponseCommand(RemotingSysResponseCode.REQUEST_CODE_NOT_SUPPORTED,
                "request code " + request.getCode() + " (" + MisdirectedRequests.name(request.getCode())
                        + ") is not supported by Sundial, which serves producers only (routes, sends, heartbeats);"
                        + " point consumers and admin tools at the cluster's name server");
    }

    @Override
    public boolean rejectRequest() {
        return false;
    }
}
