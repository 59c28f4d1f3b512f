package io.sundial.proxy.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sundial.proxy.remoting.InflightBudget;
import io.sundial.store.StoreStats;
import io.sundial.store.TimerStore;
import io.sundial.store.service.TimerService;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Sundial's metrics, in a Micrometer registry scraped in the Prometheus text format at {@code /metrics}. Names
 * get the {@code sundial_} prefix and Prometheus' unit and {@code _total} suffixes from the registry:
 *
 * <ul>
 *   <li>{@code sundial_timers_pending{topic}}, {@code sundial_timers_parked}, {@code sundial_wheel_timers},
 *       {@code sundial_consumer_groups_misdirected};</li>
 *   <li>counters {@code sundial_timers_accepted_total}, {@code sundial_sends_passed_through_total},
 *       {@code sundial_sends_pass_through_failed_total},
 *       {@code sundial_sends_rejected_total{reason}}, {@code sundial_requests_refused_total{code}},
 *       {@code sundial_timers_delivered_total},
 *       {@code sundial_timers_cancelled_total}, {@code sundial_timers_rescheduled_total},
 *       {@code sundial_timers_retried_total}, {@code sundial_timers_parked_total};</li>
 *   <li>histograms {@code sundial_delivery_lateness_seconds} (re-published minus due, buckets 1 ms to 1 h),
 *       {@code sundial_republish_latency_seconds}, {@code sundial_republish_batch_timers} (timers per call),
 *       {@code sundial_store_append_latency_seconds};
 *       {@code sundial_store_fsync_seconds} (count and sum); {@code sundial_fire_lag_seconds} and
 *       {@code sundial_loader_lag_seconds} (gauges); {@code sundial_sends_inflight_bytes};
 *       {@code sundial_store_corrupt_records}, {@code sundial_store_free_bytes}, {@code sundial_store_full},
 *       {@code sundial_store_size_bytes{part}},
 *       {@code sundial_store_last_backup_timestamp_seconds},
 *       {@code sundial_store_write_failures_total};</li>
 *   <li>JVM and process metrics ({@code jvm_*}, {@code process_*}, {@code system_*}).</li>
 * </ul>
 * Values read from the store and the timer service are read at scrape time. Thread-safe.
 */
public final class SundialMetrics {
    /** Lateness buckets: 1 ms to 1 h. */
    private static final Duration[] LATENESS_BUCKETS = {ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100),
        ms(250), ms(500), ms(1_000), ms(2_500), ms(5_000), ms(10_000), ms(30_000), ms(60_000), ms(300_000),
        ms(900_000), ms(3_600_000)};
    private static final Duration[] LATENCY_BUCKETS = {ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100),
        ms(250), ms(500), ms(1_000), ms(2_500), ms(5_000), ms(10_000)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Set by {@link #bind(TimerStore)}; the registry is made while the store opens. */
    private volatile TimerStore store;
    private final Counter accepted;
    private final Counter passedThrough;
    private final Counter passThroughFailed;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();
    private final Timer lateness;
    private final Timer republishLatency;
    private final DistributionSummary republishBatch;
    private final Timer appendLatency;
    private final MultiGauge pendingByTopic;

    /** The registry, the process's metrics and Sundial's own counters; the store's are read once it is bound. */
    public SundialMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        accepted = Counter.builder("sundial.timers.accepted").description("timers stored (retries not counted)")
                .register(registry);
        passedThrough = Counter.builder("sundial.sends.passed.through")
                .description("sends without a delivery time passed to the backend").register(registry);
        passThroughFailed = Counter.builder("sundial.sends.pass.through.failed")
                .description("pass-through sends that could not reach their broker (answered SERVICE_NOT_AVAILABLE)")
                .register(registry);
        lateness = Timer.builder("sundial.delivery.lateness")
                .description("re-published minus due time, per delivered timer")
                .serviceLevelObjectives(LATENESS_BUCKETS).register(registry);
        republishLatency = Timer.builder("sundial.republish.latency")
                .description("time of a re-publish call to the backend, per batch")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        // Near 1 at moderate rates: each call then costs the broker a send and the consumer a pull per timer, which
        // dispatchLingerMs trades a little lateness against.
        republishBatch = DistributionSummary.builder("sundial.republish.batch").baseUnit("timers")
                .description("timers per re-publish call (a lane's batch)")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256).register(registry);
        appendLatency = Timer.builder("sundial.store.append.latency")
                .description("time to store an intercepted send (per its flush mode)")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        pendingByTopic = MultiGauge.builder("sundial.timers.pending").description("pending timers per topic")
                .register(registry);
    }

    /** As {@link #SundialMetrics()}, bound to {@code store}. */
    public SundialMetrics(TimerStore store) {
        this();
        bind(store);
    }

    /** Reads the store's gauges and counters (pending per topic, parked, disk, fsyncs) from now on. */
    public void bind(TimerStore store) {
        this.store = store;
        Gauge.builder("sundial.timers.parked", store, TimerStore::parkedCount)
                .description("timers parked after a permanent re-publish failure").register(registry);
        FunctionCounter.builder("sundial.timers.cancelled", store, s -> s.stats().cancelled())
                .description("timers cancelled (admin, recall, markers)").register(registry);
        FunctionCounter.builder("sundial.timers.rescheduled", store, s -> s.stats().rescheduled())
                .register(registry);
        Gauge.builder("sundial.store.free", store, s -> s.diskSpace().freeBytes() == Long.MAX_VALUE ? Double.NaN
                        : s.diskSpace().freeBytes()).baseUnit("bytes")
                .description("free space under the store at the last check (once a second at most)")
                .register(registry);
        storeSize(store, "timerlog", StoreStats::logBytes, "timer-log segment files (preallocated)");
        storeSize(store, "index", StoreStats::indexBytes, "the RocksDB index's files");
        storeSize(store, "delivered_ledger", StoreStats::ledgerBytes, "the ledger of delivered timers");
        Gauge.builder("sundial.store.full", store, s -> s.diskSpace().full() ? 1 : 0)
                .description("1 while the store refuses new timers for want of disk space (minFreeDiskBytes)")
                .register(registry);
        Gauge.builder("sundial.store.last.backup.timestamp", store,
                        s -> s.lastBackup() == null ? Double.NaN : s.lastBackup().doneAtMs() / 1000.0)
                .baseUnit("seconds")
                .description("when the last online backup (admin backup) was done, since start; NaN if none")
                .register(registry);
        Gauge.builder("sundial.store.corrupt.records", store, s -> s.corruptRecords().count())
                .description("timer-log records found corrupt since start (scrubber or delivery read)")
                .register(registry);
        FunctionCounter.builder("sundial.store.write.failures", store, TimerStore::writeFailures)
                .description("timer-log write groups and fsyncs that failed (an I/O error); logged once per episode")
                .register(registry);
        FunctionTimer.builder("sundial.store.fsync", store, s -> s.stats().fsyncs(), s -> s.stats().fsyncNanos(),
                TimeUnit.NANOSECONDS).description("timer-log fsyncs").register(registry);
    }

    private void storeSize(TimerStore store, String part, ToLongFunction<StoreStats> bytes, String what) {
        Gauge.builder("sundial.store.size", store, s -> bytes.applyAsLong(s.stats())).tag("part", part)
                .baseUnit("bytes").description("bytes the store's parts take on disk: " + what).register(registry);
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    /** Reads the timer service's counters and gauges from now on. */
    public void bind(TimerService timers) {
        FunctionCounter.builder("sundial.timers.delivered", timers, t -> t.stats().delivered()).register(registry);
        FunctionCounter.builder("sundial.timers.retried", timers, t -> t.stats().retried())
                .description("deliveries answered retry (backend busy, unreachable, timed out)").register(registry);
        FunctionCounter.builder("sundial.timers.parked.events", timers, t -> t.stats().parked())
                .description("timers parked since start").register(registry);
        Gauge.builder("sundial.wheel.timers", timers, t -> t.stats().inWheel()).register(registry);
        Gauge.builder("sundial.fire.lag", timers, t -> t.stats().lastFireLagMs() / 1000.0).baseUnit("seconds")
                .description("how late the wheel fired its last timer").register(registry);
        Gauge.builder("sundial.loader.lag", timers,
                        t -> Math.max(0, System.currentTimeMillis() - t.stats().loaderCursorMs()) / 1000.0)
                .baseUnit("seconds").description("how far the loader's cursor is behind the wall clock (a backlog)")
                .register(registry);
    }

    /** Reads the bytes of sends in flight from now on. */
    public void bind(InflightBudget budget) {
        Gauge.builder("sundial.sends.inflight", budget, InflightBudget::usedBytes).baseUnit("bytes")
                .description("bytes of sends being stored or passed through (capped by maxInflightBytes)")
                .register(registry);
    }

    public void accepted(int timers) {
        accepted.increment(timers);
    }

    public void passedThrough() {
        passedThrough.increment();
    }

    public void passThroughFailed() {
        passThroughFailed.increment();
    }

    /** A send refused; {@code reason} is a short stable word (illegal, topic_not_exist, busy, ...). */
    public void rejected(String reason) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("sundial.sends.rejected").tag("reason", r)
                .description("sends refused, by reason").register(registry)).increment();
    }

    /**
     * A request of a code Sundial does not serve (a consumer's pull, an admin tool's query), refused;
     * {@code code} is its number, or "other" once many codes were seen.
     */
    public void refused(String code) {
        refused.computeIfAbsent(code, c -> Counter.builder("sundial.requests.refused").tag("code", c)
                .description("requests of codes Sundial does not serve, by code").register(registry)).increment();
    }

    /** Reads the number of consumer groups that registered with Sundial by mistake from now on. */
    public void bind(MisdirectedRequests misdirected) {
        Gauge.builder("sundial.consumer.groups.misdirected", misdirected, MisdirectedRequests::consumerGroupCount)
                .description("consumer groups that heartbeated to Sundial since start: they consume nothing "
                        + "until given the cluster's name server").register(registry);
    }

    public void delivered(long latenessMs) {
        lateness.record(Math.max(0, latenessMs), TimeUnit.MILLISECONDS);
    }

    public void republished(long nanos, int timers) {
        republishLatency.record(nanos, TimeUnit.NANOSECONDS);
        republishBatch.record(timers);
    }

    public void appended(long nanos) {
        appendLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The Prometheus text exposition of every metric, with pending per topic read now. */
    public String scrape() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        TimerStore store = this.store;
        if (store != null) {
            store.pendingByTopic().forEach((topic, n) -> rows.add(MultiGauge.Row.of(Tags.of("topic", topic), n)));
        }
        pendingByTopic.register(rows, true);
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
