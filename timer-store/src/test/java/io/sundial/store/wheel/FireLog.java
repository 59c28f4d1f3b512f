package io.sundial.store.wheel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Drives a wheel and records, for every fired timer, the {@code now} of the advance that fired it. */
final class FireLog implements Consumer<TimerRef> {
    record Firing(TimerRef ref, long nowMs) {
    }

    private final TimingWheel wheel;
    private final List<Firing> firings = new ArrayList<>();
    private long nowMs;

    FireLog(TimingWheel wheel) {
        this.wheel = wheel;
    }

    /** Advances with no cap worth mentioning and returns how many fired. */
    int advanceTo(long nowMs) {
        return advanceTo(nowMs, Integer.MAX_VALUE);
    }

    int advanceTo(long nowMs, int maxFire) {
        this.nowMs = nowMs;
        return wheel.advance(nowMs, maxFire, this);
    }

    @Override
    public void accept(TimerRef ref) {
        firings.add(new Firing(ref, nowMs));
    }

    List<Firing> firings() {
        return firings;
    }

    List<Long> firedSeqs() {
        return firings.stream().map(f -> f.ref().seq()).toList();
    }

    static TimerRef ref(long seq, long dueMs) {
        return new TimerRef(dueMs, seq, seq * 100, 64, "topic", 0);
    }
}
