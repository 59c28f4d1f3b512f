package io.sundial.proxy.forward;

import io.netty.channel.ChannelHandlerContext;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendClientsTest {

    /** Sends one request through {@code client} to a local server and returns the fields the server received. */
    private static Map<String, String> fieldsSeenThrough(NettyRemotingClient client) throws Exception {
        return exchange(client, new AtomicReference<>());
    }

    /** As above; {@code continuedOn} gets the thread that ran the continuation of the asynchronous answer. */
    private static Map<String, String> exchange(NettyRemotingClient client, AtomicReference<String> continuedOn)
            throws Exception {
        NettyServerConfig config = new NettyServerConfig();
        config.setListenPort(0);
        config.setBindAddress("127.0.0.1");
        NettyRemotingServer server = new NettyRemotingServer(config);
        AtomicReference<Map<String, String>> seen = new AtomicReference<>();
        server.registerDefaultProcessor(new NettyRequestProcessor() {
            @Override
            public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
                seen.set(new HashMap<>(request.getExtFields() == null ? Map.of() : request.getExtFields()));
                return RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
            }

            @Override
            public boolean rejectRequest() {
                return false;
            }
        }, Executors.newSingleThreadExecutor());
        server.start();
        try {
            RemotingCommand request = RemotingCommand.createRequestCommand(310, null);
            request.addExtField("b", "SomeTopic");
            request.setBody("body".getBytes());
            RemotingCommand response = client.invoke("127.0.0.1:" + server.localListenPort(), request, 5_000)
                    .whenComplete((r, e) -> continuedOn.set(Thread.currentThread().getName()))
                    .get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(ResponseCode.SUCCESS, response.getCode());
            return seen.get();
        } finally {
            client.shutdown();
            server.shutdown();
        }
    }

    @Test
    void shouldSignRepublishesWithSundialsOwnCredentials() throws Exception {
        Map<String, String> fields = fieldsSeenThrough(BackendClients.signed("sundial-ak", "sundial-sk"));
        assertEquals("sundial-ak", fields.get("AccessKey"));
        assertNotNull(fields.get("Signature"));
        assertEquals("SomeTopic", fields.get("b"));
    }

    @Test
    void shouldLeavePassedThroughRequestsUnsigned() throws Exception {
        Map<String, String> fields = fieldsSeenThrough(BackendClients.unsigned());
        assertNull(fields.get("AccessKey"));
        assertNull(fields.get("Signature"));
    }

    @Test
    void shouldContinueAnAnswerOnTheThreadThatReadItNotInACallbackPool() throws Exception {
        AtomicReference<String> continuedOn = new AtomicReference<>();
        exchange(BackendClients.unsigned(), continuedOn);
        assertTrue(continuedOn.get().startsWith("NettyClientSelector"), continuedOn.get());
    }
}
