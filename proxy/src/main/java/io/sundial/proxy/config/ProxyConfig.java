package io.sundial.proxy.config;

import io.sundial.proxy.admission.DeliveryTimeParser;
import io.sundial.store.StoreConfig;
import io.sundial.store.service.ServiceConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static io.sundial.store.config.Settings.bad;
import static io.sundial.store.config.Settings.longInRange;

/**
 * The proxy's settings, RocketMQ-style names, each with a default and a check naming the bad value; the store's
 * own settings ({@link StoreConfig}) are read from the same file. Immutable.
 */
public final class ProxyConfig {
    public static final String LISTEN_PORT = "listenPort";
    public static final String VIP_CHANNEL_ENABLED = "vipChannelEnabled";
    public static final String BACKEND_NAMESRV_ADDR = "backendNamesrvAddr";
    public static final String ADVERTISED_ADDRESS = "advertisedAddress";
    public static final String ROUTE_REFRESH_MS = "routeRefreshIntervalMs";
    public static final String BACKEND_TIMEOUT_MS = "backendTimeoutMs";
    public static final String MAX_DELAY_MS = "maxDelayMs";
    public static final String MESSAGE_DELAY_LEVEL = "messageDelayLevel";
    public static final String SEND_CLOCK_TOLERANCE_MS = "sendClockToleranceMs";
    public static final String BACKEND_ACCESS_KEY = "backendAccessKey";
    public static final String BACKEND_SECRET_KEY = "backendSecretKey";
    public static final String METRICS_PORT = "metricsPort";
    public static final String ADMIN_TOKEN = "adminToken";
    public static final String ADMIN_TOKEN_REQUIRED = "adminTokenRequired";
    public static final String ADMIN_READ_REQUIRES_TOKEN = "adminReadRequiresToken";

    private final int listenPort;
    private final boolean vipChannelEnabled;
    private final String backendNamesrvAddr;
    private final String advertisedAddress;
    private final long routeRefreshMs;
    private final long backendTimeoutMs;
    private final StoreConfig store;
    private final ServiceConfig service;
    private final long maxDelayMs;
    private final long[] delayLevelsMs;
    private final long sendClockToleranceMs;
    private final String backendAccessKey;
    private final String backendSecretKey;
    private final AdminAccess admin;
    private final int metricsPort;
    private final RequestLimits limits;

    private ProxyConfig(int listenPort, boolean vipChannelEnabled, String backendNamesrvAddr, String advertisedAddress,
                        long routeRefreshMs, long backendTimeoutMs, StoreConfig store, ServiceConfig service,
                        long maxDelayMs, long[] delayLevelsMs, long sendClockToleranceMs, String backendAccessKey,
                        String backendSecretKey, AdminAccess admin, int metricsPort, RequestLimits limits) {
        this.listenPort = listenPort;
        this.vipChannelEnabled = vipChannelEnabled;
        this.backendNamesrvAddr = backendNamesrvAddr;
        this.advertisedAddress = advertisedAddress;
        this.routeRefreshMs = routeRefreshMs;
        this.backendTimeoutMs = backendTimeoutMs;
        this.store = store;
        this.service = service;
        this.maxDelayMs = maxDelayMs;
        this.delayLevelsMs = delayLevelsMs;
        this.sendClockToleranceMs = sendClockToleranceMs;
        this.backendAccessKey = backendAccessKey;
        this.backendSecretKey = backendSecretKey;
        this.admin = admin;
        this.metricsPort = metricsPort;
        this.limits = limits;
    }

    /** Reads a properties file; keys left out keep their defaults. */
    public static ProxyConfig load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return fromProperties(p);
    }

    public static ProxyConfig fromProperties(Properties p) {
        int port = (int) longInRange(p, LISTEN_PORT, 9877, 0, 65535);
        String namesrv = string(p, BACKEND_NAMESRV_ADDR, "127.0.0.1:9876");
        for (String addr : namesrv.split(";")) {
            checkHostPort(BACKEND_NAMESRV_ADDR, addr.trim());
        }
        String advertised = string(p, ADVERTISED_ADDRESS, "");
        if (!advertised.isEmpty()) {
            checkHostPort(ADVERTISED_ADDRESS, advertised);
        }
        long refresh = longInRange(p, ROUTE_REFRESH_MS, 30_000, 1_000, 3_600_000);
        long timeout = longInRange(p, BACKEND_TIMEOUT_MS, 3_000, 100, 60_000);
        long maxDelay = longInRange(p, MAX_DELAY_MS, 3650L * 86_400_000L, 1_000, 100L * 365 * 86_400_000L);
        long[] levels;
        try {
            levels = DeliveryTimeParser.parseLevels(string(p, MESSAGE_DELAY_LEVEL, DeliveryTimeParser.DEFAULT_LEVELS));
        } catch (IllegalArgumentException e) {
            throw bad(MESSAGE_DELAY_LEVEL, p.getProperty(MESSAGE_DELAY_LEVEL), e.getMessage());
        }
        long sendClockTolerance = longInRange(p, SEND_CLOCK_TOLERANCE_MS, 1_000, 0, 60_000);
        String accessKey = string(p, BACKEND_ACCESS_KEY, "");
        String secretKey = string(p, BACKEND_SECRET_KEY, "");
        if (accessKey.isEmpty() != secretKey.isEmpty()) {
            throw bad(accessKey.isEmpty() ? BACKEND_ACCESS_KEY : BACKEND_SECRET_KEY, "",
                    "backendAccessKey and backendSecretKey are set together or not at all");
        }
        AdminAccess admin = new AdminAccess(string(p, ADMIN_TOKEN, ""), bool(p, ADMIN_TOKEN_REQUIRED, true),
                bool(p, ADMIN_READ_REQUIRES_TOKEN, false));
        return new ProxyConfig(port, bool(p, VIP_CHANNEL_ENABLED, true), namesrv, advertised, refresh, timeout,
                StoreConfig.fromProperties(p), ServiceConfig.fromProperties(p), maxDelay, levels, sendClockTolerance,
                accessKey, secretKey, admin, (int) longInRange(p, METRICS_PORT, 9878, 0, 65535),
                RequestLimits.fromProperties(p));
    }

    /** This configuration with other admin access settings (the quickstart generates its token). */
    public ProxyConfig withAdmin(AdminAccess access) {
        return new ProxyConfig(listenPort, vipChannelEnabled, backendNamesrvAddr, advertisedAddress, routeRefreshMs,
                backendTimeoutMs, store, service, maxDelayMs, delayLevelsMs, sendClockToleranceMs, backendAccessKey,
                backendSecretKey, access, metricsPort, limits);
    }

    /** How much producers' sends may hold at once before they are answered busy. */
    public RequestLimits limits() {
        return limits;
    }

    /** HTTP port of /metrics and /health (0 picks a free port). */
    public int metricsPort() {
        return metricsPort;
    }

    /** Admin command access: the token and whether reads need it too. */
    public AdminAccess admin() {
        return admin;
    }

    private static boolean bool(Properties p, String key, boolean def) {
        String v = string(p, key, Boolean.toString(def));
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw bad(key, v, "must be true or false");
        }
        return Boolean.parseBoolean(v);
    }

    public static ProxyConfig defaults() {
        return fromProperties(new Properties());
    }

    /** Port of the remoting server (name-server and broker requests of producers). 0 picks a free port. */
    public int listenPort() {
        return listenPort;
    }

    /**
     * Whether Sundial also listens on {@code listenPort - 2}, where a client with {@code vipChannelEnabled} (older
     * 4.x clients' default) sends to the brokers its routes name, as brokers do on their fast port. Not with a
     * {@code listenPort} of 0: a port picked at random has no agreed neighbour.
     */
    public boolean vipChannelEnabled() {
        return vipChannelEnabled;
    }

    /** The backend cluster's name server(s), {@code host:port[;host:port]}. */
    public String backendNamesrvAddr() {
        return backendNamesrvAddr;
    }

    /**
     * The {@code host:port} producers are told to send to in routes; empty means {@code 127.0.0.1} and the
     * port actually bound.
     */
    public String advertisedAddress() {
        return advertisedAddress;
    }

    public long routeRefreshMs() {
        return routeRefreshMs;
    }

    public long backendTimeoutMs() {
        return backendTimeoutMs;
    }

    public StoreConfig store() {
        return store;
    }

    /** The timer service's settings (loader window, wheel, dispatch, retry backoff). */
    public ServiceConfig service() {
        return service;
    }

    /** The furthest ahead a delivery time may lie (default 10 years). */
    /**
     * How far before Sundial's receipt a send's born time may lie for its relative delay to count from it
     * (0: every delay counts from the receipt).
     */
    public long sendClockToleranceMs() {
        return sendClockToleranceMs;
    }

    public long maxDelayMs() {
        return maxDelayMs;
    }

    /** Sundial's own access key for re-publishing to a cluster with ACL; empty for none. */
    public String backendAccessKey() {
        return backendAccessKey;
    }

    public String backendSecretKey() {
        return backendSecretKey;
    }

    /** The 4.x delay-level table, level 1 first. */
    public long[] delayLevelsMs() {
        return delayLevelsMs.clone();
    }

    private static String string(Properties p, String key, String def) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() ? def : v.trim();
    }

    private static void checkHostPort(String key, String v) {
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) {
            throw bad(key, v, "must be host:port");
        }
        try {
            int port = Integer.parseInt(v.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw bad(key, v, "port must be between 1 and 65535");
            }
        } catch (NumberFormatException e) {
            throw bad(key, v, "must be host:port with a numeric port");
        }
    }
}
