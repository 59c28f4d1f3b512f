package io.sundial.proxy.remoting;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closes a new connection at once when {@code maxConnections} are already open, so that a flood of connections
 * (or a leak in a client) cannot exhaust file descriptors and memory. Refusals are logged at most once every
 * 10 s, with their count. Thread-safe.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimit.class);

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final EveryTenSeconds refusals = new EveryTenSeconds();

    ConnectionLimit(int max) {
        this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > max) {
            logRefusal(ctx);
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
        super.channelInactive(ctx);
    }

    int open() {
        return open.get();
    }

    private void logRefusal(ChannelHandlerContext ctx) {
        long refused = refusals.count();
        if (refused > 0) {
            LOG.warn("Connections refused: {} since the last such line, {} already open (maxConnections); latest"
                    + " from {}", refused, max, ctx.channel().remoteAddress());
        }
    }
}
