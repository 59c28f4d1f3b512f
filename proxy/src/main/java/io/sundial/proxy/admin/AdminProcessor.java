package io.sundial.proxy.admin;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONException;
import com.alibaba.fastjson2.JSONObject;
import com.alibaba.fastjson2.JSONWriter;
import io.netty.channel.ChannelHandlerContext;
import io.sundial.proxy.config.AdminAccess;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Serves the admin request codes ({@link AdminCodes}): checks the token, parses the JSON arguments, runs the
 * command and answers with JSON. A refused token is NO_PERMISSION (16), bad arguments INVALID_PARAMETER (29),
 * each with a remark saying what to fix; an unexpected failure is SYSTEM_ERROR, logged once with its cause.
 */
public final class AdminProcessor implements NettyRequestProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(AdminProcessor.class);

    private final AdminOperations operations;
    private final AdminAccess access;

    public AdminProcessor(AdminOperations operations, AdminAccess access) {
        this.operations = operations;
        this.access = access;
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
        int code = request.getCode();
        String command = AdminCodes.names().getOrDefault(code, String.valueOf(code));
        Map<String, String> ext = request.getExtFields();
        String token = ext == null ? null : ext.get(AdminCodes.TOKEN_FIELD);
        AdminAccess.Decision decision = access.check(token, AdminCodes.changesState(code));
        if (decision != AdminAccess.Decision.ALLOWED) {
            LOG.warn("Refused admin command {} from {}: {}", command, remote(ctx), decision);
            return response(new AdminAnswer(ResponseCode.NO_PERMISSION, refusal(command, decision), null));
        }
        AdminAnswer answer;
        try {
            Args args = new Args(parse(request.getBody()));
            answer = run(code, args);
        } catch (AdminException e) {
            answer = new AdminAnswer(e.code(), e.getMessage(), null);
        } catch (RuntimeException e) {
            LOG.error("Admin command {} failed", command, e);
            answer = new AdminAnswer(ResponseCode.SYSTEM_ERROR, "admin command " + command + " failed: " + e, null);
        }
        if (AdminCodes.changesState(code)) {
            LOG.info("Admin command {} from {}: {}{}", command, remote(ctx), answer.code(),
                    answer.remark() == null ? "" : " (" + answer.remark() + ")");
        }
        return response(answer);
    }

    private AdminAnswer run(int code, Args args) {
        return switch (code) {
            case AdminCodes.STATUS -> operations.status();
            case AdminCodes.STATS -> operations.stats(args);
            case AdminCodes.LIST -> operations.list(args);
            case AdminCodes.GET -> operations.get(args);
            case AdminCodes.CANCEL -> operations.cancel(args);
            case AdminCodes.RESCHEDULE -> operations.reschedule(args);
            case AdminCodes.PAUSE -> operations.pause(args);
            case AdminCodes.RESUME -> operations.resume(args);
            case AdminCodes.PARKED -> operations.parked(args);
            case AdminCodes.RELEASE -> operations.release(args);
            case AdminCodes.BACKUP -> operations.backup(args);
            default -> throw new AdminException(ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
                    "request code " + code + " is not an admin command");
        };
    }

    private static JSONObject parse(byte[] body) {
        if (body == null || body.length == 0) {
            return new JSONObject();
        }
        try {
            return JSON.parseObject(new String(body, StandardCharsets.UTF_8));
        } catch (JSONException e) {
            throw Args.invalid("the request body is not a JSON object: " + e.getMessage());
        }
    }

    private static String refusal(String command, AdminAccess.Decision decision) {
        return switch (decision) {
            case TOKEN_MISSING -> "admin command " + command + " needs the admin token (--token, --token-file or "
                    + "SUNDIAL_ADMIN_TOKEN)";
            case TOKEN_WRONG -> "admin command " + command + " refused: the admin token is wrong";
            case NO_TOKEN_CONFIGURED -> "admin command " + command + " refused: this Sundial has no adminToken "
                    + "set (set one, or adminTokenRequired=false to allow commands without it)";
            default -> "admin command " + command + " refused";
        };
    }

    private static RemotingCommand response(AdminAnswer answer) {
        RemotingCommand response = RemotingCommand.createResponseCommand(answer.code(), answer.remark());
        if (answer.body() != null) {
            response.setBody(JSON.toJSONBytes(answer.body(), JSONWriter.Feature.WriteNulls));
        }
        return response;
    }

    private static String remote(ChannelHandlerContext ctx) {
        return ctx == null || ctx.channel() == null ? "?" : String.valueOf(ctx.channel().remoteAddress());
    }

    @Override
    public boolean rejectRequest() {
        return false;
    }
}
