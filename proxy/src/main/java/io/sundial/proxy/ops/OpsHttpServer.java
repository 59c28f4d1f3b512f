package io.sundial.proxy.ops;

import com.alibaba.fastjson2.JSON;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sundial.store.config.DaemonThreads;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The operators' HTTP port (the JDK's built-in server): {@code GET /metrics} (Prometheus text format),
 * {@code /health/live} (200 while the process serves), {@code /health/ready} (200 while timers can be accepted,
 * UP or DEGRADED with the reasons in the JSON body; 503 when DOWN).
 */
public final class OpsHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    public OpsHttpServer(int port, SundialMetrics metrics, Health health) throws IOException {
        server = HttpServer.create(new InetSocketAddress(port), 16);
        executor = Executors.newFixedThreadPool(2, DaemonThreads.named("sundial-ops-http"));
        server.setExecutor(executor);
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape()));
        server.createContext("/health/live", ex -> respond(ex, 200, "application/json",
                "{\"status\":\"LIVE\"}"));
        server.createContext("/health/ready", ex -> {
            Health.Report r = health.report();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", r.status());
            body.put("reasons", r.reasons());
            respond(ex, r.ready() ? 200 : 503, "application/json", JSON.toJSONString(body));
        });
    }

    public OpsHttpServer start() {
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int code, String type, String body) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
