package io.sundial.proxy.admin;

import io.sundial.proxy.SundialVersion;
import io.sundial.proxy.admission.SundialIds;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.ops.Health;
import io.sundial.proxy.ops.MisdirectedRequests;
import io.sundial.proxy.route.BackendRoutes;
import io.sundial.store.BackupReport;
import io.sundial.store.ChangeResult;
import io.sundial.store.StoreBusyException;
import io.sundial.store.StoreException;
import io.sundial.store.StoreStats;
import io.sundial.store.TimerId;
import io.sundial.store.TimerStore;
import io.sundial.store.config.DaemonThreads;
import io.sundial.store.index.DueEntry;
import io.sundial.store.index.ParkedTimer;
import io.sundial.store.index.StoredTimer;
import io.sundial.store.service.ServiceStats;
import io.sundial.store.service.TimerService;
import io.sundial.store.time.Clock;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What each admin command does, on the store and the timer service. Every method takes the request's arguments
 * and returns an {@link AdminAnswer}: a JSON-ready body, and a RocketMQ response code with a remark when the
 * command did not fully succeed (nothing found, "too late", several matches without {@code all}).
 *
 * <p>Lifecycle: built started (it samples the delivered counter every second for the delivery rate);
 * {@link #close} stops the sampler. Thread-safe.
 */
public final class AdminOperations implements AutoCloseable {
    /** Timers a selector may match; a message key shared by more is answered with the first this many. */
    static final int MAX_MATCHES = 1_000;
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;
    static final int STATUS_CONSUMER_ROWS = 20;
    private static final long CHANGE_TIMEOUT_MS = 10_000;

    private final TimerStore store;
    private final TimerService timers;
    private final ProxyConfig config;
    private final BackendRoutes routes;
    private final Health health;
    private final Clock clock;
    private final MisdirectedRequests misdirected;
    private final TimerViews views;
    private final long startTimeMs;
    private final DeliveryRate rate;
    private final ScheduledExecutorService sampler;

    public AdminOperations(TimerStore store, TimerService timers, ProxyConfig config, BackendRoutes routes,
                           Health health, MisdirectedRequests misdirected, Clock clock) {
        this.store = store;
        this.timers = timers;
        this.config = config;
        this.routes = routes;
        this.health = health;
        this.clock = clock;
        this.misdirected = misdirected;
        this.views = new TimerViews(store);
        this.startTimeMs = clock.wallMillis();
        this.rate = new DeliveryRate(() -> timers.stats().delivered(), clock);
        this.sampler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sundial-admin-sampler"));
        sampler.scheduleAtFixedRate(rate::sample, 1, 1, TimeUnit.SECONDS);
    }

    // ---- read-only

    AdminAnswer status() {
        long now = clock.wallMillis();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", SundialVersion.get());
        out.put("startTimeMs", startTimeMs);
        out.put("uptimeMs", now - startTimeMs);
        Health.Report h = health.report();
        out.put("health", h.status());
        out.put("healthReasons", String.join("; ", h.reasons()));
        out.put("backendNamesrv", config.backendNamesrvAddr());
        String backendProblem = health.backendProblem(); // as of the health probe, every 2 s
        out.put("backendReachable", backendProblem == null);
        if (backendProblem != null) {
            out.put("backendError", backendProblem);
        }
        StoreStats s = store.stats();
        out.put("storePath", config.store().storePath().toString());
        out.put("flushMode", config.store().flushMode().name());
        out.put("storeBytes", s.logBytes() + s.indexBytes() + s.ledgerBytes());
        out.put("timerLogBytes", s.logBytes());
        out.put("indexBytes", s.indexBytes());
        out.put("deliveredLedgerBytes", s.ledgerBytes());
        out.put("pending", store.pendingCount());
        out.put("parked", store.parkedCount());
        DueEntry next = store.firstDueFrom(now);
        out.put("nextDueTimeMs", next == null ? null : next.dueMs());
        DueEntry first = store.firstDue();
        boolean overdue = first != null && first.dueMs() < now;
        out.put("oldestOverdueTimeMs", overdue ? first.dueMs() : null);
        out.put("oldestOverdueMs", overdue ? now - first.dueMs() : 0);
        out.put("deliveredPerSecondLastMinute", Math.round(rate.perSecond() * 10) / 10.0);
        ServiceStats ss = timers.stats();
        out.put("delivered", ss.delivered());
        out.put("retryingLanes", ss.lanesBackingOff());
        out.put("retried", ss.retried());
        out.put("inWheel", ss.inWheel());
        out.put("pausedTopics", paused());
        out.put("storeFull", store.diskSpace().full() || store.indexOutOfSpace());
        out.put("storeWriteFailure", store.writeFailure());
        out.put("freeDiskBytes", store.diskSpace().freeBytes());
        out.put("corruptRecords", s.corruptRecords());
        out.put("corruptRecordsLatest", store.corruptRecords().latest());
        out.put("scrubPasses", s.scrubPasses());
        out.put("lastScrubTimeMs", s.lastScrubEndMs() == 0 ? null : s.lastScrubEndMs());
        BackupReport backup = store.lastBackup();
        out.put("lastBackupTimeMs", backup == null ? null : backup.doneAtMs());
        out.put("lastBackupDir", backup == null ? null : backup.directory().toString());
        out.put("misdirectedConsumers", misdirectedConsumers());
        return AdminAnswer.ok(out);
    }

    /** The consumer groups that heartbeated here, latest first, at most {@link #STATUS_CONSUMER_ROWS}. */
    private List<Map<String, Object>> misdirectedConsumers() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MisdirectedRequests.ConsumerSeen c : misdirected.consumerGroups()) {
            if (out.size() == STATUS_CONSUMER_ROWS) {
                break;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("group", c.group());
            row.put("clientId", c.clientId());
            row.put("from", c.from());
            row.put("lastSeenTimeMs", c.lastSeenMs());
            out.add(row);
        }
        return out;
    }

    private List<Map<String, Object>> paused() {
        List<Map<String, Object>> out = new ArrayList<>();
        store.pausedTopics().forEach((topic, at) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("topic", topic);
            row.put("pausedTimeMs", at);
            out.add(row);
        });
        return out;
    }

    AdminAnswer stats(Args a) {
        String only = a.string("topic");
        long now = clock.wallMillis();
        Map<String, Long> pending = store.pendingByTopic();
        Map<String, Long> paused = store.pausedTopics();
        List<String> topics = new ArrayList<>();
        if (only != null) {
            topics.add(only);
        } else {
            topics.addAll(pending.keySet());
            paused.keySet().stream().filter(t -> !pending.containsKey(t)).forEach(topics::add);
            topics.sort(null);
        }
        long[] bounds = DueHistogram.bounds(now);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String topic : topics) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("topic", topic);
            row.put("pending", pending.getOrDefault(topic, 0L));
            row.put("parked", (long) store.parked(topic, MAX_LIMIT).size());
            row.put("paused", paused.containsKey(topic));
            row.put("due", DueHistogram.labelled(store.countTopicByDue(topic, bounds)));
            rows.add(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("nowTimeMs", now);
        out.put("topics", rows);
        return AdminAnswer.ok(out);
    }

    AdminAnswer list(Args a) {
        String topic = a.required("topic", "a topic");
        long from = a.longValue("fromTimeMs", 0);
        long to = a.longValue("toTimeMs", Long.MAX_VALUE);
        int limit = limit(a);
        ListCursor after = ListCursor.parse(a.string("after"));
        List<StoredTimer> page = new ArrayList<>(limit);
        boolean more = store.listTopicTimers(topic, from, to, after == null ? -1 : after.dueMs(),
                after == null ? 0 : after.seq(), limit, page);
        long now = clock.wallMillis();
        Set<String> paused = store.pausedTopics().keySet();
        List<Map<String, Object>> rows = new ArrayList<>(page.size());
        for (StoredTimer t : page) {
            rows.add(views.view(t, paused, now, false, false));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", topic);
        out.put("timers", rows);
        DueEntry last = page.isEmpty() ? null : page.get(page.size() - 1).entry();
        out.put("next", more && last != null ? new ListCursor(last.dueMs(), last.seq()).toString() : null);
        return AdminAnswer.ok(out);
    }

    private static int limit(Args a) {
        long limit = a.longValue("limit", DEFAULT_LIMIT);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw Args.invalid("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        return (int) limit;
    }

    AdminAnswer get(Args a) {
        List<StoredTimer> found = select(a);
        if (found.isEmpty()) {
            return notFound(a);
        }
        long now = clock.wallMillis();
        Set<String> paused = store.pausedTopics().keySet();
        boolean body = a.flag("body");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (StoredTimer t : found) {
            rows.add(views.view(t, paused, now, true, body));
        }
        return AdminAnswer.ok(Map.of("timers", rows));
    }

    AdminAnswer parked(Args a) {
        String topic = a.string("topic");
        int limit = limit(a);
        long now = clock.wallMillis();
        Set<String> paused = store.pausedTopics().keySet();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ParkedTimer p : store.parked(topic, limit)) {
            rows.add(views.view(new StoredTimer(p.entry(), true), paused, now, false, false));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("parkedTotal", store.parkedCount());
        out.put("timers", rows);
        return AdminAnswer.ok(out);
    }

    // ---- changes

    AdminAnswer cancel(Args a) {
        List<StoredTimer> found = selectForChange(a, "cancel");
        if (found.isEmpty()) {
            return notFound(a);
        }
        return change(found, t -> store.cancel(t.topic(), t.uniqKey(), t.seq()), "CANCELLED");
    }

    AdminAnswer reschedule(Args a) {
        long at = a.longValue("atTimeMs", -1);
        long now = clock.wallMillis();
        if (at < 0) {
            throw Args.invalid("the new due time is required (atTimeMs, epoch ms)");
        }
        if (at - now > config.maxDelayMs()) {
            throw Args.invalid("the new due time lies more than maxDelayMs (" + config.maxDelayMs()
                    + " ms) ahead");
        }
        List<StoredTimer> found = selectForChange(a, "reschedule");
        if (found.isEmpty()) {
            return notFound(a);
        }
        AdminAnswer answer = change(found, t -> store.reschedule(t.topic(), t.uniqKey(), t.seq(), at), "RESCHEDULED");
        for (Object row : (List<?>) ((Map<?, ?>) answer.body()).get("timers")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) row;
            if ("RESCHEDULED".equals(r.get("outcome"))) {
                r.put("previousDueTimeMs", r.get("dueTimeMs"));
                r.put("dueTimeMs", at);
            }
        }
        return answer;
    }

    private interface Change {
        CompletableFuture<ChangeResult> apply(DueEntry timer);
    }

    /** Applies a change to each timer found; the answer lists each with its outcome. */
    private AdminAnswer change(List<StoredTimer> found, Change change, String doneOutcome) {
        long now = clock.wallMillis();
        Set<String> paused = store.pausedTopics().keySet();
        List<Map<String, Object>> rows = new ArrayList<>();
        int code = ResponseCode.SUCCESS;
        String remark = null;
        for (StoredTimer t : found) {
            Map<String, Object> row = views.view(t, paused, now, false, false);
            ChangeResult.Status status = await(change.apply(t.entry())).status();
            row.put("outcome", status == ChangeResult.Status.CHANGED ? doneOutcome : status.name());
            if (status != ChangeResult.Status.CHANGED && code == ResponseCode.SUCCESS) {
                code = status == ChangeResult.Status.TOO_LATE || status == ChangeResult.Status.PARKED
                        ? ResponseCode.ILLEGAL_OPERATION : ResponseCode.QUERY_NOT_FOUND;
                remark = explain(status, t.entry());
            }
            rows.add(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("timers", rows);
        return new AdminAnswer(code, remark, out);
    }

    private static String explain(ChangeResult.Status status, DueEntry e) {
        String timer = "timer " + e.uniqKey() + " of topic " + e.topic();
        return switch (status) {
            case TOO_LATE -> "too late: " + timer + " is being re-published right now and will be delivered";
            case PARKED -> timer + " is parked: release it first (it can be cancelled while parked)";
            case ALREADY_DELIVERED -> timer + " was already delivered";
            case ALREADY_CANCELLED -> timer + " was already cancelled";
            default -> timer + " is no longer pending";
        };
    }

    private static ChangeResult await(CompletableFuture<ChangeResult> f) {
        try {
            return f.get(CHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException(ResponseCode.SYSTEM_ERROR, "interrupted");
        } catch (ExecutionException e) {
            throw new AdminException(ResponseCode.SYSTEM_BUSY, "the store refused the change: " + e.getCause());
        } catch (TimeoutException e) {
            throw new AdminException(ResponseCode.SYSTEM_BUSY, "the store did not answer within "
                    + CHANGE_TIMEOUT_MS + " ms");
        }
    }

    AdminAnswer pause(Args a) {
        String topic = a.required("topic", "a topic");
        boolean was = store.pausedTopics().containsKey(topic);
        timers.pause(topic);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", topic);
        out.put("paused", true);
        out.put("wasPaused", was);
        out.put("pending", store.pendingCount(topic));
        return AdminAnswer.ok(out);
    }

    AdminAnswer resume(Args a) {
        String topic = a.required("topic", "a topic");
        if (!store.pausedTopics().containsKey(topic)) {
            return new AdminAnswer(ResponseCode.QUERY_NOT_FOUND, "topic " + topic + " is not paused",
                    Map.of("topic", topic, "paused", false));
        }
        timers.resume(topic);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", topic);
        out.put("paused", false);
        out.put("pending", store.pendingCount(topic));
        return AdminAnswer.ok(out);
    }

    AdminAnswer release(Args a) {
        String topic = a.required("topic", "a topic");
        String uniqKey = a.string("uniqKey");
        boolean all = a.flag("all");
        if ((uniqKey == null) == !all) {
            throw Args.invalid("name one parked timer (uniqKey) or pass all=true, not both");
        }
        List<Long> seqs = new ArrayList<>();
        if (all) {
            store.parked(topic, Integer.MAX_VALUE).forEach(p -> seqs.add(p.entry().seq()));
        } else {
            store.locateByUniqKey(topic, uniqKey).stream().filter(StoredTimer::parked)
                    .forEach(t -> seqs.add(t.entry().seq()));
        }
        long now = clock.wallMillis();
        Set<String> paused = store.pausedTopics().keySet();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (long seq : seqs) {
            for (DueEntry e : store.release(topic, seq)) {
                rows.add(views.view(new StoredTimer(e, false), paused, now, false, false));
            }
        }
        if (rows.isEmpty()) {
            return new AdminAnswer(ResponseCode.QUERY_NOT_FOUND, "no parked timer "
                    + (all ? "in topic " + topic : uniqKey + " in topic " + topic), Map.of("timers", rows));
        }
        return AdminAnswer.ok(Map.of("timers", rows));
    }

    /**
     * Copies the store, while Sundial runs, to a new directory on Sundial's host (decision 0046). Waits for the copy:
     * minutes for a large store.
     */
    AdminAnswer backup(Args a) {
        String dir = a.required("dir", "the backup directory on Sundial's host (absolute, new)");
        Path target = Path.of(dir);
        if (!target.isAbsolute()) {
            throw Args.invalid("the backup directory " + dir + " must be an absolute path on Sundial's host");
        }
        BackupReport r;
        try {
            r = store.backup(target);
        } catch (IllegalArgumentException e) {
            throw Args.invalid(e.getMessage());
        } catch (StoreBusyException e) {
            return new AdminAnswer(ResponseCode.SYSTEM_BUSY, e.getMessage(), null);
        } catch (IOException | StoreException e) {
            // Logged by the processor with this remark, as every admin command that changes something.
            return new AdminAnswer(ResponseCode.SYSTEM_ERROR, "the backup to " + target + " failed: " + e, null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dir", r.directory().toString());
        out.put("pending", r.pending());
        out.put("segments", r.segments());
        out.put("bytes", r.bytes());
        out.put("writesHeldMs", TimeUnit.NANOSECONDS.toMillis(r.heldNanos()));
        out.put("tookMs", TimeUnit.NANOSECONDS.toMillis(r.tookNanos()));
        return AdminAnswer.ok(out);
    }

    // ---- selecting timers

    /** The timers a selector names: one of msgId, uniqKey or key (the last two with a topic). */
    private List<StoredTimer> select(Args a) {
        String topic = a.string("topic");
        String uniqKey = a.string("uniqKey");
        String key = a.string("key");
        String msgId = a.string("msgId");
        int given = (uniqKey == null ? 0 : 1) + (key == null ? 0 : 1) + (msgId == null ? 0 : 1);
        if (given != 1) {
            throw Args.invalid("name the timer with exactly one of: unique key (-i), message key (-k), msgId (-m)");
        }
        if (msgId != null) {
            TimerId id = SundialIds.parse(msgId);
            if (id != null) {
                StoredTimer t = store.locate(id);
                return t == null || (topic != null && !topic.equals(t.entry().topic())) ? List.of() : List.of(t);
            }
            uniqKey = msgId; // SendResult.getMsgId() is the message's unique key
            if (topic == null) {
                throw Args.invalid("msgId " + msgId + " is a producer's message id (UNIQ_KEY): give its topic "
                        + "(-t) too; a Sundial id (5D..., the send's offsetMsgId) needs none");
            }
        }
        if (topic == null) {
            throw Args.invalid("a topic (-t) is required with " + (key != null ? "a message key" : "a unique key"));
        }
        return key != null ? store.locateByKey(topic, key, MAX_MATCHES) : store.locateByUniqKey(topic, uniqKey);
    }

    private List<StoredTimer> selectForChange(Args a, String verb) {
        List<StoredTimer> found = select(a);
        if (found.size() > 1 && !a.flag("all")) {
            throw Args.invalid(found.size() + " timers match; pass --all to " + verb + " every one of them");
        }
        return found;
    }

    private AdminAnswer notFound(Args a) {
        String topic = a.string("topic");
        String uniqKey = a.string("uniqKey") != null ? a.string("uniqKey")
                : a.string("msgId") != null && SundialIds.parse(a.string("msgId")) == null ? a.string("msgId") : null;
        String remark = "no pending timer matches";
        if (topic != null && uniqKey != null) {
            switch (store.endedStatus(topic, uniqKey)) {
                case ALREADY_DELIVERED -> remark = "timer " + uniqKey + " of topic " + topic + " was already delivered";
                case ALREADY_CANCELLED -> remark = "timer " + uniqKey + " of topic " + topic + " was already cancelled";
                default -> remark = "no timer " + uniqKey + " in topic " + topic;
            }
        } else if (a.string("msgId") != null) {
            remark = "no pending timer " + a.string("msgId") + " (delivered, cancelled, or never stored)";
        }
        return new AdminAnswer(ResponseCode.QUERY_NOT_FOUND, remark, Map.of("timers", List.of()));
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
