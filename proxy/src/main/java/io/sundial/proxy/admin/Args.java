package io.sundial.proxy.admin;

import com.alibaba.fastjson2.JSONObject;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/** Typed access to a request's JSON arguments, with INVALID_PARAMETER and a clear remark for a bad one. */
final class Args {
    private final JSONObject json;

    Args(JSONObject json) {
        this.json = json == null ? new JSONObject() : json;
    }

    String string(String name) {
        Object v = json.get(name);
        if (v == null) {
            return null;
        }
        String s = v.toString().trim();
        return s.isEmpty() ? null : s;
    }

    String required(String name, String what) {
        String v = string(name);
        if (v == null) {
            throw invalid(what + " is required (" + name + ")");
        }
        return v;
    }

    long longValue(String name, long def) {
        Object v = json.get(name);
        if (v == null) {
            return def;
        }
        try {
            return v instanceof Number n ? n.longValue() : Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw invalid(name + " must be a whole number, got '" + v + "'");
        }
    }

    boolean flag(String name) {
        Object v = json.get(name);
        return v instanceof Boolean b ? b : v != null && Boolean.parseBoolean(v.toString());
    }

    static AdminException invalid(String remark) {
        return new AdminException(ResponseCode.INVALID_PARAMETER, remark);
    }
}
