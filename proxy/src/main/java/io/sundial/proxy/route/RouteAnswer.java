package io.sundial.proxy.route;

import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

/**
 * What the backend name server answered for a topic: a route, or its error code and remark, passed on to
 * producers unchanged so that they fall back as they would against the real name server.
 */
public record RouteAnswer(int code, String remark, TopicRouteData route) {
    public boolean found() {
        return code == ResponseCode.SUCCESS && route != null;
    }
}
