package io.sundial.store.wheel;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Holds references to pending timers and hands each one out at its exact due millisecond.
 *
 * <p><b>Why.</b> The store keeps messages in its log and needs, in memory, only which timer is due when. This wheel
 * is that in-memory schedule: references only, O(1) add and cancel, and no work for time in which nothing is due.
 * Like agrona's {@code DeadlineTimerWheel} it has no thread and no clock: the caller passes {@code now} to
 * {@link #advance} and a separate runner decides when to call it (see {@link #nextDueHintMs()}).
 *
 * <p><b>Algorithm.</b> Time is cut into ticks of {@code tickMs}; tick numbers are absolute
 * ({@code floorDiv(epochMs, tickMs)}). Level {@code k} has {@code S = slotsPerLevel} slots of {@code S^k} ticks
 * each. A timer due in tick {@code e} lives on the lowest level {@code k} whose next-coarser block (of
 * {@code S^(k+1)} ticks) holds both {@code e} and the current tick, in slot {@code (e / S^k) mod S}; the level is
 * the highest differing bit of {@code e XOR current} divided by {@code log2(S)}. Timers whose block is beyond the
 * top level wait in an overflow area keyed by top-level block. When the current tick enters a bucket's span, that
 * bucket moves its timers one or more levels down, so a timer is touched at most once per level on its way (and
 * once more from overflow) rather than once per revolution as in Netty's {@code HashedWheelTimer}. A timer
 * reaching the current tick goes to a per-millisecond due list, and fires only once {@code now >= dueMs}: unlike
 * Kafka's wheel, which runs a timer up to a tick early, this one is exact to the millisecond whatever the tick.
 *
 * <p><b>Order.</b> Timers fire earliest {@code dueMs} first and, within one millisecond, in the order they were
 * added: all timers due in the same tick always sit in the same bucket, which is a FIFO list, and a cascade moves a
 * bucket's timers in order. The exception: timers added after their tick had already passed fire first, in the
 * order added.
 *
 * <p><b>Costs.</b> {@link #add} and {@link #cancel} are O(1) (an intrusive list append or unlink and an
 * open-addressing hash lookup by seq), except that a timer beyond the top level costs O(log B), B being the number
 * of distinct overflow blocks. {@link #advance} costs O(F + V * L * S/64 + T): F timers fired, V buckets visited
 * (each visit also pays for the moves of its timers, at most L + 1 per timer over its life), an occupancy-bitmap
 * scan of at most L levels to find the next non-empty bucket, and T ≤ {@code tickMs} per-millisecond lists
 * examined per tick visited. Empty ticks cost nothing: jumping ten years with three timers visits a handful of
 * buckets. Memory is 40 to 56 bytes per timer on top of its 48-byte {@link TimerRef}: a 32-byte node and
 * 8 to 23 bytes of index, about 97 bytes per reference at one million timers.
 *
 * <p><b>Thread-safety.</b> None: one thread owns the wheel and makes every call. The sink given to
 * {@link #advance} may call {@link #add} and {@link #cancel}, but not {@link #advance}.
 */
public final class TimingWheel {
    private final long tickMs;
    private final int bitsPerLevel;
    private final WheelLevel[] levels;
    /** Shift from a tick number to its top-level block number, the key of the overflow area. */
    private final int overflowShift;
    private final OverflowBuckets overflow = new OverflowBuckets();
    private final DueQueue due;
    private final SeqIndex index = new SeqIndex();

    /** The tick whose timers are in {@link #due}; every bucket of an earlier tick has been emptied. */
    private long currentTick;
    private long currentTimeMs;
    private boolean advancing;
    /** Buckets emptied by {@link #advance}; lets tests check that empty time costs nothing. */
    private long bucketVisits;

    /**
     * @param startMs the wall-clock epoch ms the wheel starts at; timers due at or before it fire on the first
     *                {@link #advance} whose {@code now} reaches them
     * @param config  the shape of the wheel
     */
    public TimingWheel(long startMs, WheelConfig config) {
        Objects.requireNonNull(config, "config");
        this.tickMs = config.tickMs();
        this.bitsPerLevel = config.bitsPerLevel();
        this.levels = new WheelLevel[config.levels()];
        for (int level = 0; level < levels.length; level++) {
            levels[level] = new WheelLevel(level, bitsPerLevel, config.slotsPerLevel());
        }
        this.overflowShift = bitsPerLevel * levels.length;
        this.due = new DueQueue(tickMs);
        this.currentTimeMs = startMs;
        this.currentTick = Math.floorDiv(startMs, tickMs);
        due.startTick(currentTick * tickMs);
    }

    /**
     * Schedules {@code ref} to fire at {@code ref.dueMs()}. A timer already due fires on the next {@link #advance}.
     * O(1), see the class comment.
     *
     * @return false, changing nothing, if a timer with the same {@code seq} is already scheduled
     */
    public boolean add(TimerRef ref) {
        WheelNode node = new WheelNode(Objects.requireNonNull(ref, "ref"));
        if (!index.putIfAbsent(node)) {
            return false;
        }
        place(node);
        return true;
    }

    /**
     * Removes the timer with {@code seq} so that it never fires. O(1).
     *
     * @return false if no timer with {@code seq} is scheduled (never added, already fired or already cancelled)
     */
    public boolean cancel(long seq) {
        WheelNode node = index.remove(seq);
        if (node == null) {
            return false;
        }
        WheelBucket bucket = node.bucket;
        if (bucket.level == WheelBucket.DUE) {
            due.remove(node);
            return true;
        }
        bucket.remove(node);
        if (bucket.isEmpty()) {
            if (bucket.level == WheelBucket.OVERFLOW) {
                overflow.emptied(bucket);
            } else {
                levels[bucket.level].emptied(bucket.slot);
            }
        }
        return true;
    }

    /** Whether a timer with {@code seq} is scheduled and has not fired. O(1). */
    public boolean contains(long seq) {
        return index.get(seq) != null;
    }

    /** The number of scheduled timers. */
    public int size() {
        return index.size();
    }

    /** The latest {@code now} passed to {@link #advance}, or the start time; never goes back. */
    public long currentTimeMs() {
        return currentTimeMs;
    }

    /**
     * The earliest time at which a scheduled timer could be due, or {@code Long.MAX_VALUE} when there is none: a
     * runner may sleep until then. Never later than the earliest {@code dueMs}, but may be earlier, since a far
     * bucket is reported by the start of its span; calling {@link #advance} then refines it. At or before
     * {@link #currentTimeMs()} while timers are due but unfired. Costs at most an occupancy scan of every level.
     */
    public long nextDueHintMs() {
        if (!due.isEmpty()) {
            return due.earliestDueMs();
        }
        long tick = nextBucketTick();
        return tick == Long.MAX_VALUE ? Long.MAX_VALUE : tick * tickMs;
    }

    /**
     * Fires, in due order, the timers due at or before {@code nowMs}, at most {@code maxFire} of them; those left
     * over fire on the next call. A timer is handed to {@code sink} after it has been removed from the wheel, so
     * if the sink throws, the exception propagates and that timer is not fired again. A {@code nowMs} earlier
     * than {@link #currentTimeMs()} (a wall clock stepped back) fires only timers due at or before it.
     *
     * @return the number of timers fired, at most {@code maxFire}; equal to it means more may be due
     */
    public int advance(long nowMs, int maxFire, Consumer<? super TimerRef> sink) {
        if (maxFire < 1) {
            throw new IllegalArgumentException("maxFire must be at least 1, got " + maxFire);
        }
        Objects.requireNonNull(sink, "sink");
        if (advancing) {
            throw new IllegalStateException("advance called from its own sink");
        }
        advancing = true;
        try {
            currentTimeMs = Math.max(currentTimeMs, nowMs);
            long nowTick = Math.floorDiv(nowMs, tickMs);
            Consumer<WheelNode> onFire = node -> {
                index.remove(node.ref.seq());
                sink.accept(node.ref);
            };
            int fired = due.fire(nowMs, maxFire, onFire);
            // Fewer fired than allowed means the current tick is drained up to nowMs, so the wheel may move on.
            while (fired < maxFire && currentTick < nowTick) {
                long tick = nextBucketTick();
                if (tick > nowTick) {
                    // Nothing lies between, so every timer keeps its level and slot relative to the new tick.
                    moveTo(nowTick);
                    break;
                }
                moveTo(tick);
                cascadeBucketAt(tick);
                fired += due.fire(nowMs, maxFire - fired, onFire);
            }
            return fired;
        } finally {
            advancing = false;
        }
    }

    /** Buckets emptied by advance so far; for tests that check empty time is skipped. */
    long bucketVisits() {
        return bucketVisits;
    }

    private void place(WheelNode node) {
        long tick = Math.floorDiv(node.ref.dueMs(), tickMs);
        if (tick <= currentTick) {
            due.add(node);
            return;
        }
        int level = (63 - Long.numberOfLeadingZeros(tick ^ currentTick)) / bitsPerLevel;
        if (level < levels.length) {
            levels[level].add(tick, node);
        } else {
            overflow.add(tick >> overflowShift, node);
        }
    }

    /**
     * The tick at which the next non-empty bucket must be emptied, or {@code Long.MAX_VALUE}. It is the first
     * occupied slot after the current one on the lowest non-empty level: a level's occupied slots all lie ahead
     * of the current slot within the current coarser block, so lower levels always come due first.
     */
    private long nextBucketTick() {
        for (WheelLevel level : levels) {
            if (!level.isEmpty()) {
                int slot = level.nextOccupied(level.slotOf(currentTick) + 1);
                if (slot < 0) {
                    throw new IllegalStateException("a timer lies behind the current slot; tick " + currentTick);
                }
                int blockShift = level.shift + bitsPerLevel;
                return (currentTick >> blockShift << blockShift) | ((long) slot << level.shift);
            }
        }
        return overflow.isEmpty() ? Long.MAX_VALUE : overflow.firstBlock() << overflowShift;
    }

    /** Empties the bucket that {@link #nextBucketTick()} found, re-placing its timers relative to {@code tick}. */
    private void cascadeBucketAt(long tick) {
        WheelNode node = null;
        for (WheelLevel level : levels) {
            if (!level.isEmpty()) {
                node = level.take(level.slotOf(tick));
                break;
            }
        }
        if (node == null) {
            node = overflow.take(tick >> overflowShift);
        }
        bucketVisits++;
        while (node != null) {
            WheelNode next = node.next;
            place(node);
            node = next;
        }
    }

    private void moveTo(long tick) {
        currentTick = tick;
        due.startTick(tick * tickMs);
    }
}
