package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandlerContext;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RemotingSysResponseCode;

/** Every request code Sundial does not serve: {@code REQUEST_CODE_NOT_SUPPORTED} with a remark naming it. */
final class UnsupportedProcessor implements NettyRequestProcessor {
    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
        return RemotingCommand.createResponseCommand(RemotingSysResponseCode.REQUEST_CODE_NOT_SUPPORTED,
                "request code " + request.getCode() + " is not supported by Sundial, which serves producers only"
                        + " (routes, sends, heartbeats); point consumers and admin tools at the cluster itself");
    }

    @Override
    public boolean rejectRequest() {
        return false;
    }
}
