package io.sundial.proxy.net;

import org.apache.rocketmq.common.ServiceThread;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyEvent;
import org.apache.rocketmq.remoting.netty.NettyEventType;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;

/**
 * The stock remoting client, shut down without waiting up to three seconds. RocketMQ 5.5.0 starts a channel-event
 * thread in every client; it polls its queue three seconds at a time and looks at its stop flag only between
 * polls, and {@code shutdown()} sets the flag and then joins it. Each client shut down therefore took up to 3 s:
 * every {@code bin/sundial admin} command took 4 s, and every stop of Sundial waited for it too. This client sets
 * the flag first and hands the thread an event that ends its poll at once (with no listener registered, the thread
 * drops events unread).
 */
public final class PromptClient extends NettyRemotingClient {
    public PromptClient(NettyClientConfig config) {
        super(config);
    }

    @Override
    public void shutdown() {
        ((ServiceThread) nettyEventExecutor).makeStop(); // its class is not public; the method is
        putNettyEvent(new NettyEvent(NettyEventType.IDLE, "", null));
        super.shutdown();
    }
}
