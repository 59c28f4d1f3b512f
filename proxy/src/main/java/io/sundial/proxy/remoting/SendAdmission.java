package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sundial.proxy.ops.SundialMetrics;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RemotingCommandType;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Admits each send into the {@link InflightBudget} as soon as it is decoded, before it queues for a send thread,
 * and answers {@code SYSTEM_BUSY} on the spot when it does not fit: the heap held by sends waiting or in progress
 * stays within {@code maxInflightBytes} however many producers push. {@link SendProcessor} gives the bytes back
 * when the answer is written. Refusals are logged at most once every 10 s, with their count.
 */
@ChannelHandler.Sharable
final class SendAdmission extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SendAdmission.class);

    private final InflightBudget budget;
    private final SundialMetrics metrics;
    private final EveryTenSeconds refusals = new EveryTenSeconds();

    SendAdmission(InflightBudget budget, SundialMetrics metrics) {
        this.budget = budget;
        this.metrics = metrics;
    }

    /** A request the {@link SendProcessor} serves: those are the ones charged to the budget. */
    static boolean isSend(RemotingCommand command) {
        return command.getType() == RemotingCommandType.REQUEST_COMMAND
                && SendProcessor.CODES.contains(command.getCode());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RemotingCommand command && isSend(command) && !budget.tryAdmit(command)) {
            metrics.rejected("busy");
            Responses.write(ctx.channel(), command, Responses.error(ResponseCode.SYSTEM_BUSY, "[SUNDIAL_BUSY] "
                    + (budget.usedBytes() >> 10) + " KiB of sends in flight reach maxInflightBytes ("
                    + (budget.maxBytes() >> 10) + " KiB); try again shortly"));
            logRefusal();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void logRefusal() {
        long refused = refusals.count();
        if (refused > 0) {
            LOG.warn("Sends refused SYSTEM_BUSY: {} since the last such line, the in-flight budget being spent ({} of"
                    + " {} KiB, maxInflightBytes)", refused, budget.usedBytes() >> 10, budget.maxBytes() >> 10);
        }
    }
}
