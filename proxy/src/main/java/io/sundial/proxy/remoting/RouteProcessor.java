package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandlerContext;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.proxy.route.LegacyRoutes;
import io.sundial.proxy.route.RouteRewriter;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.namesrv.GetRouteInfoRequestHeader;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

/**
 * Answers {@code GET_ROUTEINFO_BY_TOPIC} (105) as the backend name server does, with Sundial's address in place
 * of every broker's, so the producer sends to Sundial; producers that name no broker in their sends get one merged
 * broker ({@link LegacyRoutes}). Errors (such as {@code TOPIC_NOT_EXIST}) pass through
 * unchanged: the client then falls back to {@code TBW102} exactly as against the real name server.
 */
final class RouteProcessor implements NettyRequestProcessor {
    private final BackendRoutes routes;
    private final RouteRewriter rewriter;

    RouteProcessor(BackendRoutes routes, RouteRewriter rewriter) {
        this.routes = routes;
        this.rewriter = rewriter;
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) throws Exception {
        GetRouteInfoRequestHeader header = request.decodeCommandCustomHeader(GetRouteInfoRequestHeader.class);
        routes.route(header.getTopic()).whenComplete((answer, error) -> {
            RemotingCommand response;
            if (error != null) {
                response = Responses.error(ResponseCode.SYSTEM_ERROR, "route look-up failed: " + error);
            } else if (answer.found()) {
                response = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
                TopicRouteData route = LegacyRoutes.mergesFor(request) ? LegacyRoutes.merge(answer.route())
                        : answer.route();
                response.setBody(rewriter.rewrite(route).encode());
            } else {
                response = Responses.error(answer.code(), answer.remark());
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
