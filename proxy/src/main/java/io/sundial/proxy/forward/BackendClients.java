package io.sundial.proxy.forward;

import io.netty.util.concurrent.ImmediateEventExecutor;
import io.sundial.proxy.net.PromptClient;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;

/**
 * Sundial's remoting clients to the backend. Pass-through and route look-ups use an unsigned client: a
 * passed-through send keeps the producer's own ACL signature. Re-publishing, where Sundial is the sender, uses
 * a client that signs with Sundial's own credentials ({@code backendAccessKey}/{@code backendSecretKey}) when
 * they are set, as the stock client's {@code AclClientRPCHook} does.
 */
public final class BackendClients {
    private BackendClients() {
    }

    /** A started client that signs nothing. */
    public static NettyRemotingClient unsigned() {
        NettyRemotingClient client = client();
        client.start();
        return client;
    }

    /** A started client that signs every request with the access key and secret key given. */
    public static NettyRemotingClient signed(String accessKey, String secretKey) {
        NettyRemotingClient client = client();
        client.registerRPCHook(new AclClientRPCHook(new SessionCredentials(accessKey, secretKey)));
        client.start();
        return client;
    }

    /**
     * Answers complete their futures on the thread that read them (the connection's event loop, or the timer that
     * expires a request) instead of a hand-off to the client's callback pool: each re-publish answer paid that
     * hop, ~17 µs of CPU per timer at moderate rates. Every continuation Sundial chains onto a backend answer
     * only computes, queues or writes to a channel; the ones that touch the store (settling a batch that was not
     * delivered whole) hand themselves to the timer service's dispatch threads.
     */
    private static NettyRemotingClient client() {
        NettyRemotingClient client = new PromptClient(config());
        client.setCallbackExecutor(ImmediateEventExecutor.INSTANCE);
        return client;
    }

    /**
     * Encoding and decoding run on the connection's event loop instead of being handed to a separate worker group:
     * Sundial holds one connection per broker, and at a few thousand small re-publish batches a second that extra
     * hand-off per request and per response cost more CPU than the codec itself (measured with a per-thread CPU
     * sampler in the spread scenario of {@code bin/sundial bench compare}).
     */
    private static NettyClientConfig config() {
        NettyClientConfig config = new NettyClientConfig();
        config.setDisableNettyWorkerGroup(true);
        return config;
    }
}
