package io.sundial.store.service;

import io.sundial.store.time.Clock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * An in-memory dispatcher for tests: records every timer it is handed (sequence, due time, wall time of the call)
 * and answers per topic, by default "delivered" at once. A topic can be set to answer a function of the timer, or
 * to hold its calls until the test completes them. Thread-safe.
 */
final class FakeDispatcher implements Dispatcher {
    /** One timer as handed to the dispatcher. */
    record Call(Lane lane, long seq, long dueMs, long firedAtMs, long atMs, String uniqKey) {
    }

    /** A call held open by the test. */
    record Held(Lane lane, List<DueTimer> timers, CompletableFuture<List<Outcome>> future) {
        void answer(Outcome o) {
            List<Outcome> outcomes = new ArrayList<>();
            timers.forEach(t -> outcomes.add(o));
            future.complete(outcomes);
        }
    }

    private final Clock clock;
    private final List<Call> calls = new ArrayList<>();
    private final List<Integer> batchSizes = new ArrayList<>();
    private final Map<String, Function<DueTimer, Outcome>> policies = new HashMap<>();
    private final Map<String, Boolean> holding = new HashMap<>();
    private final List<Held> held = new ArrayList<>();
    private final Map<String, Dispatcher> raw = new HashMap<>();

    FakeDispatcher(Clock clock) {
        this.clock = clock;
    }

    /** Answers {@code policy(timer)} for timers of {@code topic}. */
    synchronized FakeDispatcher answer(String topic, Function<DueTimer, Outcome> policy) {
        policies.put(topic, policy);
        return this;
    }

    /** Answers calls for {@code topic} with {@code dispatcher} itself (after recording them). */
    synchronized FakeDispatcher override(String topic, Dispatcher dispatcher) {
        raw.put(topic, dispatcher);
        return this;
    }

    /** Holds calls for {@code topic} until completed through {@link #held()}. */
    synchronized FakeDispatcher hold(String topic) {
        holding.put(topic, true);
        return this;
    }

    synchronized FakeDispatcher release(String topic) {
        holding.remove(topic);
        return this;
    }

    @Override
    public CompletionStage<List<Outcome>> dispatch(Lane lane, List<DueTimer> timers) {
        Function<DueTimer, Outcome> policy;
        CompletableFuture<List<Outcome>> future = new CompletableFuture<>();
        synchronized (this) {
            long at = clock.wallMillis();
            for (DueTimer t : timers) {
                calls.add(new Call(lane, t.entry().seq(), t.entry().dueMs(), t.firedAtMs(), at, t.entry().uniqKey()));
            }
            batchSizes.add(timers.size());
            if (holding.containsKey(lane.topic())) {
                held.add(new Held(lane, List.copyOf(timers), future));
                return future;
            }
            Dispatcher override = raw.get(lane.topic());
            if (override != null) {
                return override.dispatch(lane, timers);
            }
            policy = policies.getOrDefault(lane.topic(), t -> Outcome.delivered());
        }
        List<Outcome> outcomes = new ArrayList<>(timers.size());
        for (DueTimer t : timers) {
            outcomes.add(policy.apply(t));
        }
        future.complete(outcomes);
        return future;
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    synchronized List<Call> calls(String topic) {
        return calls.stream().filter(c -> c.lane().topic().equals(topic)).toList();
    }

    synchronized List<Long> seqs() {
        return calls.stream().map(Call::seq).toList();
    }

    synchronized List<Integer> batchSizes() {
        return List.copyOf(batchSizes);
    }

    /** Calls held open and not yet taken, oldest first; taking them empties the list. */
    synchronized List<Held> takeHeld() {
        List<Held> out = List.copyOf(held);
        held.clear();
        return out;
    }

    synchronized void clear() {
        calls.clear();
        batchSizes.clear();
    }
}
