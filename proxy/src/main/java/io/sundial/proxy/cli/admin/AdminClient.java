package io.sundial.proxy.cli.admin;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.sundial.proxy.admin.AdminCodes;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

import java.nio.charset.StandardCharsets;

/** Sends one admin request to a Sundial and returns its answer, with the stock remoting client. */
final class AdminClient implements AutoCloseable {
    /** An answer: the response code, its remark, and the JSON body (empty object when none). */
    record Answer(int code, String remark, JSONObject body) {
    }

    private final NettyRemotingClient client;
    private final String address;
    private final String token;
    private final long timeoutMs;

    AdminClient(String address, String token, long timeoutMs) {
        this.client = new NettyRemotingClient(new NettyClientConfig());
        this.client.start();
        this.address = address;
        this.token = token;
        this.timeoutMs = timeoutMs;
    }

    Answer call(int code, JSONObject args) throws Exception {
        RemotingCommand request = RemotingCommand.createRequestCommand(code, null);
        if (token != null && !token.isEmpty()) {
            request.addExtField(AdminCodes.TOKEN_FIELD, token);
        }
        request.setBody(args.toJSONString().getBytes(StandardCharsets.UTF_8));
        RemotingCommand response = client.invokeSync(address, request, timeoutMs);
        byte[] body = response.getBody();
        JSONObject json = body == null || body.length == 0 ? new JSONObject()
                : JSON.parseObject(new String(body, StandardCharsets.UTF_8));
        return new Answer(response.getCode(), response.getRemark(), json);
    }

    @Override
    public void close() {
        client.shutdown();
    }
}
