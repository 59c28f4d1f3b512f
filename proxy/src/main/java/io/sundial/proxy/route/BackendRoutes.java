package io.sundial.proxy.route;

import io.sundial.store.config.DaemonThreads;
import io.sundial.store.time.Clock;
import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.header.namesrv.GetRouteInfoRequestHeader;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The backend cluster's topic routes, read from its name server with Sundial's own client and cached per topic.
 * A cached route is refreshed every {@code routeRefreshIntervalMs} while producers use its topic (as a client
 * polls its name server), and at once after a failed send ({@link #invalidate}). Also remembers each broker's
 * master address, which pass-through and re-publishing send to. Thread-safe.
 */
public final class BackendRoutes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackendRoutes.class);
    private static final long FORGET_UNUSED_MS = 10 * 60_000L;
    /** Inside this class only: no name server answered. Outside, it reads as SYSTEM_ERROR. */
    private static final int UNREACHABLE = -1;

    private final RemotingClient client;
    private final List<String> namesrvAddrs;
    private final long refreshMs;
    private final long timeoutMs;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, String> masters = new ConcurrentHashMap<>();
    /**
     * The name server asked first: the last one that answered. As with the stock client, which keeps one name
     * server until it fails, a name server that is down costs one timeout, not one per request.
     */
    private volatile int preferred;
    private final Set<String> down = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService refresher;

    public BackendRoutes(RemotingClient client, String namesrvAddrs, long refreshMs, long timeoutMs, Clock clock) {
        this.client = client;
        this.namesrvAddrs = Arrays.stream(namesrvAddrs.split(";")).map(String::trim).filter(a -> !a.isEmpty())
                .toList();
        this.refreshMs = refreshMs;
        this.timeoutMs = timeoutMs;
        this.clock = clock;
        this.refresher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sundial-route-refresh"));
        refresher.scheduleWithFixedDelay(this::refreshUsed, refreshMs, refreshMs, TimeUnit.MILLISECONDS);
    }

    /**
     * The backend's answer for {@code topic}: from the cache while fresh, else asked now. While no name server
     * answers (or one answers that it knows no broker at all, having just restarted), the last route found stays
     * the answer, as the stock client keeps using its last routes; SYSTEM_ERROR if there is none.
     */
    public CompletableFuture<RouteAnswer> route(String topic) {
        long now = clock.wallMillis();
        Cached c = cache.get(topic);
        if (c != null && now - c.fetchedAtMs < refreshMs) {
            c.usedAtMs = now;
            return CompletableFuture.completedFuture(c.answer);
        }
        return fetch(topic).thenApply(BackendRoutes::outward);
    }

    /** The cached route of {@code topic} if any, without asking the backend. */
    public TopicRouteData cachedRoute(String topic) {
        Cached c = cache.get(topic);
        return c == null || !c.answer.found() ? null : c.answer.route();
    }

    /**
     * Whether the backend's name servers know any broker now (GET_BROKER_CLUSTER_INFO), asked in turn until one
     * answers: every broker registers with every name server, so one answer decides, and a name server that is down
     * must not pass for an empty cluster. False also when none answers. A missing topic cannot be told from an
     * outage without it: with no broker at all, every topic reads as missing.
     */
    public CompletableFuture<Boolean> anyBroker() {
        return askInTurn(() -> RemotingCommand.createRequestCommand(RequestCode.GET_BROKER_CLUSTER_INFO, null),
                r -> r.getCode() == ResponseCode.SUCCESS && r.getBody() != null, 0).thenApply(response -> {
                    if (response == null) {
                        return false;
                    }
                    ClusterInfo info = ClusterInfo.decode(response.getBody(), ClusterInfo.class);
                    return info.getBrokerAddrTable() != null && info.getBrokerAddrTable().values().stream()
                            .anyMatch(b -> b.getBrokerAddrs() != null && !b.getBrokerAddrs().isEmpty());
                });
    }

    /** How many name servers Sundial may ask in turn for one answer. */
    public int nameServerCount() {
        return namesrvAddrs.size();
    }

    /**
     * Marks the cached route of {@code topic} stale (after a failed send), so the next use asks again; it is kept
     * for that answer to fall back on if no name server answers.
     */
    public void invalidate(String topic) {
        long expired = clock.wallMillis() - refreshMs;
        cache.computeIfPresent(topic, (t, c) -> new Cached(c.answer, expired, c.usedAtMs));
    }

    /** The master address of {@code brokerName} from the routes seen so far, or null. */
    public String masterAddr(String brokerName) {
        return masters.get(brokerName);
    }

    /**
     * Asks the name server for {@code topic}'s route without caching it: any answer, found or not, shows the name
     * server is reachable; SYSTEM_ERROR means none of them answered.
     */
    public CompletableFuture<RouteAnswer> probe(String topic) {
        return ask(topic).thenApply(BackendRoutes::outward);
    }

    private CompletableFuture<RouteAnswer> fetch(String topic) {
        return ask(topic).thenCompose(answer -> {
            Cached last = cache.get(topic);
            if (last == null || !last.answer.found() || answer.found()) {
                return CompletableFuture.completedFuture(answer);
            }
            if (answer.code() == UNREACHABLE) {
                return CompletableFuture.completedFuture(last.answer);
            }
            // A name server that has just restarted knows no broker until each registers again (every 30 s by
            // default) and reads every topic as missing meanwhile: an outage, not deleted topics.
            return answer.code() == ResponseCode.TOPIC_NOT_EXIST
                    ? anyBroker().thenApply(any -> any ? answer : last.answer)
                    : CompletableFuture.completedFuture(answer);
        }).thenApply(answer -> {
            long now = clock.wallMillis();
            if (answer.found()) {
                for (BrokerData b : answer.route().getBrokerDatas()) {
                    String master = b.getBrokerAddrs().get(0L);
                    if (master != null) {
                        masters.put(b.getBrokerName(), master);
                    }
                }
                Cached last = cache.get(topic);
                cache.put(topic, new Cached(answer, now, last == null ? now : last.usedAtMs));
            } else {
                cache.remove(topic);
            }
            return answer;
        });
    }

    /** The route answer of the name servers, asked in turn; {@link #UNREACHABLE} if none answers. */
    private CompletableFuture<RouteAnswer> ask(String topic) {
        return askInTurn(() -> {
            GetRouteInfoRequestHeader header = new GetRouteInfoRequestHeader();
            header.setTopic(topic);
            return RemotingCommand.createRequestCommand(RequestCode.GET_ROUTEINFO_BY_TOPIC, header);
        }, r -> true, 0).thenApply(response -> {
            if (response == null) {
                return new RouteAnswer(UNREACHABLE, "Sundial cannot reach the backend name server "
                        + String.join(";", namesrvAddrs), null);
            }
            if (response.getCode() == ResponseCode.SUCCESS && response.getBody() != null) {
                return new RouteAnswer(ResponseCode.SUCCESS, null,
                        TopicRouteData.decode(response.getBody(), TopicRouteData.class));
            }
            return new RouteAnswer(response.getCode(), response.getRemark(), null);
        });
    }

    /**
     * Sends a request made by {@code request} to the name servers in turn, starting from the {@link #preferred} one,
     * until one gives a {@code usable} response; that response, or null if none does.
     */
    private CompletableFuture<RemotingCommand> askInTurn(Supplier<RemotingCommand> request,
                                                         Predicate<RemotingCommand> usable, int attempt) {
        int index = (preferred + attempt) % namesrvAddrs.size();
        return client.invoke(namesrvAddrs.get(index), request.get(), timeoutMs).handle((response, error) -> {
            if (error != null) {
                failed(index, error);
                return null;
            }
            answered(index);
            return usable.test(response) ? response : null;
        }).thenCompose(response -> response != null || attempt + 1 >= namesrvAddrs.size()
                ? CompletableFuture.completedFuture(response)
                : askInTurn(request, usable, attempt + 1));
    }

    /** Logged once while it stays down; with one name server, Health says so instead (DEGRADED). */
    private void failed(int index, Throwable error) {
        String addr = namesrvAddrs.get(index);
        if (namesrvAddrs.size() > 1 && down.add(addr)) {
            LOG.warn("Backend name server {} did not answer ({}); Sundial keeps to the next one that answers", addr,
                    error.toString());
        }
    }

    private void answered(int index) {
        preferred = index;
        String addr = namesrvAddrs.get(index);
        if (!down.isEmpty() && down.remove(addr)) {
            LOG.info("Backend name server {} answers again", addr);
        }
    }

    private static RouteAnswer outward(RouteAnswer answer) {
        return answer.code() == UNREACHABLE ? new RouteAnswer(ResponseCode.SYSTEM_ERROR, answer.remark(), null)
                : answer;
    }

    void refreshUsed() {
        long now = clock.wallMillis();
        for (Map.Entry<String, Cached> e : cache.entrySet()) {
            if (now - e.getValue().usedAtMs > FORGET_UNUSED_MS) {
                cache.remove(e.getKey(), e.getValue());
            } else if (now - e.getValue().fetchedAtMs >= refreshMs / 2) {
                fetch(e.getKey()).exceptionally(t -> {
                    LOG.warn("Route refresh of topic {} failed", e.getKey(), t);
                    return null;
                });
            }
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }

    private static final class Cached {
        final RouteAnswer answer;
        final long fetchedAtMs;
        volatile long usedAtMs;

        Cached(RouteAnswer answer, long fetchedAtMs, long usedAtMs) {
            this.answer = answer;
            this.fetchedAtMs = fetchedAtMs;
            this.usedAtMs = usedAtMs;
        }
    }
}
