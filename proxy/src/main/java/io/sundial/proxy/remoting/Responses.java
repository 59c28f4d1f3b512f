package io.sundial.proxy.remoting;

import io.netty.channel.Channel;
import org.apache.rocketmq.remoting.netty.NettyRemotingAbstract;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

/** Writing a response later than the request's processing thread returns (asynchronous processors). */
final class Responses {
    private Responses() {
    }

    /** Writes {@code response} to the producer with the request's opaque; nothing for oneway requests. */
    static void write(Channel channel, RemotingCommand request, RemotingCommand response) {
        NettyRemotingAbstract.writeResponse(channel, request, response, null, null);
    }

    static RemotingCommand error(int code, String remark) {
        return RemotingCommand.createResponseCommand(code, remark);
    }
}
