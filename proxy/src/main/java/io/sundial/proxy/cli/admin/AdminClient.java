package io.sundial.proxy.cli.admin;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.sundial.proxy.admin.AdminCodes;
import io.sundial.proxy.net.PromptClient;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

import java.nio.charset.StandardCharsets;

/**
 * Sends admin requests to a Sundial and returns their answers, with the stock remoting client: the CLI's, and the
 * benchmark's.
 */
public final class AdminClient implements AutoCloseable {
    /** An answer: the response code, its remark, and the JSON body (empty object when none). */
    public record Answer(int code, String remark, JSONObject body) {
    }

    private final NettyRemotingClient client;
    private final String address;
    private final String token;
    private final long timeoutMs;

    /** A client of the Sundial at {@code address} (host:port) presenting {@code token} (null or empty: none). */
    public AdminClient(String address, String token, long timeoutMs) {
        this.client = new PromptClient(new NettyClientConfig());
        this.client.start();
        this.address = address;
        this.token = token;
        this.timeoutMs = timeoutMs;
    }

    /** One request of {@code code} ({@link AdminCodes}) with {@code args}; waits for its answer. */
    public Answer call(int code, JSONObject args) throws Exception {
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
