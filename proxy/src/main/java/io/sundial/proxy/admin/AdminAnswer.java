package io.sundial.proxy.admin;

import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * An admin command's answer: a JSON-ready body, and the response code (SUCCESS, or why not) with its remark.
 */
record AdminAnswer(int code, String remark, Object body) {
    static AdminAnswer ok(Object body) {
        return new AdminAnswer(ResponseCode.SUCCESS, null, body);
    }
}
