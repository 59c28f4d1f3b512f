package io.sundial.proxy.ops;

import io.sundial.store.service.DueTimer;
import io.sundial.store.service.Dispatcher;
import io.sundial.store.service.Lane;
import io.sundial.store.service.Outcome;
import io.sundial.store.time.Clock;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A {@link Dispatcher} that records, around the real one, each call's latency and size and each delivered timer's
 * lateness (wall clock when the backend acknowledged it, minus its due time).
 */
public final class MeasuredDispatcher implements Dispatcher {
    private final Dispatcher delegate;
    private final SundialMetrics metrics;
    private final Clock clock;

    public MeasuredDispatcher(Dispatcher delegate, SundialMetrics metrics, Clock clock) {
        this.delegate = delegate;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public CompletionStage<List<Outcome>> dispatch(Lane lane, List<DueTimer> timers) {
        long start = clock.monoNanos();
        return delegate.dispatch(lane, timers).whenComplete((outcomes, error) -> {
            metrics.republished(clock.monoNanos() - start, timers.size());
            if (outcomes == null || outcomes.size() != timers.size()) {
                return;
            }
            long now = clock.wallMillis();
            for (int i = 0; i < timers.size(); i++) {
                if (outcomes.get(i) instanceof Outcome.Delivered) {
                    metrics.delivered(now - timers.get(i).entry().dueMs());
                }
            }
        });
    }
}
