package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandlerContext;
import io.sundial.proxy.admission.ClientCancels;
import org.apache.commons.codec.DecoderException;
import org.apache.rocketmq.common.producer.RecallMessageHandle;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.RecallMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.RecallMessageResponseHeader;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;

/**
 * {@code RECALL_MESSAGE} (370) from 5.3.2+ clients' {@code recallMessage(topic, handle)}: the handle Sundial
 * answered a stored send with names the topic and unique key; the pending timer is cancelled (see
 * {@link ClientCancels} for the answers). A handle that does not decode, or names another topic than the request,
 * is ILLEGAL_OPERATION (604), as on the broker.
 */
final class RecallProcessor implements NettyRequestProcessor {
    private final ClientCancels cancels;

    RecallProcessor(ClientCancels cancels) {
        this.cancels = cancels;
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) throws Exception {
        RecallMessageRequestHeader header = request.decodeCommandCustomHeader(RecallMessageRequestHeader.class);
        RecallMessageHandle.HandleV1 handle;
        try {
            handle = (RecallMessageHandle.HandleV1) RecallMessageHandle.decodeHandle(header.getRecallHandle());
        } catch (DecoderException | RuntimeException e) {
            return Responses.error(ResponseCode.ILLEGAL_OPERATION, "recall failed, the recall handle is not one "
                    + "Sundial or a broker issued: " + e.getMessage());
        }
        if (!handle.getTopic().equals(header.getTopic())) {
            return Responses.error(ResponseCode.ILLEGAL_OPERATION, "recall failed, the handle is of topic "
                    + handle.getTopic() + ", not " + header.getTopic());
        }
        cancels.cancel(handle.getTopic(), handle.getMessageId(), "recall").whenComplete((r, error) -> {
            RemotingCommand response;
            if (error != null) {
                response = Responses.error(ResponseCode.SYSTEM_ERROR, "recall failed: " + error);
            } else {
                response = RemotingCommand.createResponseCommand(RecallMessageResponseHeader.class);
                response.setCode(r.code());
                response.setRemark(r.remark());
                ((RecallMessageResponseHeader) response.readCustomHeader()).setMsgId(handle.getMessageId());
            }
            Responses.write(ctx.channel(), request, response);
        });
        return null;
    }

    @Override
    public boolean rejectRequest() {
        return false;
    }
}
