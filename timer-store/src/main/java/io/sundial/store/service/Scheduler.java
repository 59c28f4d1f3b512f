package io.sundial.store.service;

import io.sundial.store.TimerListener;
import io.sundial.store.TimerStore;
import io.sundial.store.index.DueEntry;
import io.sundial.store.index.TopicPage;
import io.sundial.store.time.Clock;
import io.sundial.store.wheel.TimerRef;
import io.sundial.store.wheel.TimingWheel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Everything the wheel thread does, one deterministic {@link #step} at a time: tests call it on a manual clock
 * with no thread; {@link TimerService} calls it in a loop and sleeps for as long as it answers.
 *
 * <p><b>A step.</b> (1) Apply the commands queued since the last step: timers appended, released, cancelled or
 * rescheduled (the store's listener only queues them, lock-free, and wakes the thread), and batches the dispatch
 * threads settled. (2) Top up the wheel from the due index ({@link Loader}) while under the memory bound.
 * (3) Advance the wheel to the wall clock's now, firing at most {@code maxFirePerStep} timers into their lanes.
 * (4) End retry backoffs that are over and re-read those lanes' timers from the store. (5) Hand each ready lane's
 * next batch to a dispatch thread. A fired timer is handed on only once {@code now >= dueMs}: the wheel never
 * fires early whatever its tick.
 *
 * <p><b>Paused topics.</b> A lane of a paused topic is held like a lane backing off, but until the topic is
 * resumed: its timers leave memory as they fire (or reach dispatch) and are re-read from the store, in order, once
 * it resumes. The paused set is read from the store at construction and changed by {@link #pause}.
 *
 * <p><b>In memory.</b> A timer is in memory when it is in the wheel, or fired and not settled ({@link #outOfWheel}:
 * queued in its lane or with the dispatcher). The loader adds timers only while fewer than
 * {@code maxWheelReferences} are in memory; a timer appended (or rescheduled, or released) at or before the
 * loader's cursor goes into the wheel at once even past the bound, since the loader will never read it again.
 * A lane's timers re-read after a retry go past the bound too, at most {@code 4 * dispatchBatchSize} per lane.
 *
 * <p><b>No double fire.</b> Every path into the wheel runs on this thread and checks both the wheel (whose
 * {@code add} refuses a sequence it holds) and the fired set: the loader may read a timer whose append command
 * is still queued, and the command then finds it already in memory. A timer leaves the fired set only when its
 * batch is settled; a delivered one is acknowledged first, and the store writes the acknowledgement under the
 * lock under which it writes an append and tells its listener, so its append command, if any, was queued before
 * the settled batch and was met while the timer was still in the fired set. Should anything slip through, the
 * dispatch thread's check that the timer is still pending stops a second delivery of an acknowledged timer.
 *
 * <p>Not thread-safe except {@link #listener()}, {@link #wakeup}, and {@link #stats}: one thread steps it.
 */
final class Scheduler {
    /** Index rows the lanes being re-read may read per step, so that a re-read cannot stall firing. */
    private static final int RELOAD_ROWS_PER_STEP = 4096;
    private static final int RELOAD_PAGE = 256;
    private static final int MAX_ROUNDS_PER_STEP = 64;
    /**
     * How long a burst counts as going on after its last timers were handed to dispatch: the broker stores them
     * and the consumers read them only then (in a herd of 100,000, 250-420 ms from store to consumer), and
     * acknowledgements written meanwhile took the cores from that tail.
     */
    static final long BURST_TAIL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * With {@code dispatchLingerMs} set, a lane free to send but holding fewer timers than this waits for more (at
     * most that long after its oldest fired). 32 is the stock consumer's pull batch: every send wakes the
     * consumer's held pull of its queue, so at moderate rates each timer costs the broker a send and a pull (the
     * bench's spread, 420 timers/s a queue: 5 ms of linger cut the broker's CPU by a third; decision 0028).
     */
    static final int LINGER_BATCH = 32;

    private final TimerStore store;
    private final Clock clock;
    private final ServiceConfig config;
    private final TimingWheel wheel;
    private final Loader loader;
    private final Backoff backoff;
    private final Delivery delivery;
    private final Queue<Object> inbox = new ConcurrentLinkedQueue<>();
    private final TimerListener listener = new Listener();
    private final Map<Lane, LaneState> lanes = new HashMap<>();
    private final ArrayDeque<LaneState> ready = new ArrayDeque<>();
    /** Lanes free to send that wait for more timers, at most {@code dispatchLingerMs} (see {@link #LINGER_BATCH}). */
    private final List<LaneState> lingering = new ArrayList<>();
    private final PriorityQueue<LaneState> backingOff =
            new PriorityQueue<>(Comparator.comparingLong((LaneState l) -> l.backoffUntilNanos));
    /** Lanes whose backoff is over and whose timers that left memory are being re-read. */
    private final Set<LaneState> reloading = new LinkedHashSet<>();
    /** Sequence to due time of every fired timer not yet settled: queued in a lane or with the dispatcher. */
    private final Map<Long, Long> outOfWheel = new HashMap<>();
    /** New places of timers rescheduled while out of the wheel, inserted once their old place is settled. */
    private final Map<Long, DueEntry> deferred = new HashMap<>();
    private final Map<String, String> topics = new HashMap<>();
    /** Topics whose re-publishing is paused: their lanes are held, their timers stay in the store. */
    private final Set<String> paused = new java.util.HashSet<>();
    private final Consumer<TimerRef> fireSink = this::onFired;
    private final int lowWater;
    private final int reloadTarget;
    private final long loadIntervalNanos;
    private volatile Runnable wakeup = () -> { };
    /** Whether the loader is behind, so that memory freed by a settled batch lets it read more. */
    private volatile boolean loaderWaitsForRoom;
    private long nextLoadNanos;
    /** The wall time of the step under way. */
    private long nowMs;

    private volatile long fired;
    private volatile long loaded;
    private volatile long directInserts;
    private volatile long reloaded;
    private volatile int inWheelGauge;
    private volatile int outOfWheelGauge;
    /** Fired timers queued in their lanes, not yet handed to dispatch. */
    private int waitingForLanes;
    /** When, on the monotonic clock, a step last ended with more timers waiting for their lanes than a batch. */
    private volatile long burstSeenNanos;
    /** The loader has more to read but the memory bound leaves it no room (as of the last step). */
    private volatile boolean loaderHeldByTheBound;
    private volatile int lanesGauge;
    private volatile int backingOffGauge;
    private volatile long cursorGauge;
    private volatile long lastLagMs;
    private volatile long maxLagMs;

    /**
     * @param executor runs the dispatch side of each batch; {@code Runnable::run} makes the hand-off synchronous,
     *                 as tests want
     * @param random   the backoff jitter
     */
    Scheduler(TimerStore store, Dispatcher dispatcher, ServiceConfig config, Clock clock, Executor executor,
              RandomGenerator random) {
        this.store = store;
        this.clock = clock;
        this.config = config;
        this.wheel = new TimingWheel(clock.wallMillis(), config.wheelConfig());
        this.loader = new Loader(store, config.loadWindowMs(), config.loadBatchSize());
        this.backoff = new Backoff(config.retryBackoffMinMs(), config.retryBackoffMaxMs(), random);
        this.delivery = new Delivery(store, dispatcher, executor, config, this::settledLater,
                l -> post(new Answered(l)), this::dispatchingABurst);
        this.lowWater = Math.max(1, Math.min(config.loadBatchSize(), config.maxWheelReferences() / 8));
        this.reloadTarget = 4 * config.dispatchBatchSize();
        this.loadIntervalNanos = TimeUnit.MILLISECONDS.toNanos(config.loadIntervalMs());
        this.nextLoadNanos = clock.monoNanos();
        this.burstSeenNanos = clock.monoNanos() - BURST_TAIL_NANOS;
        this.paused.addAll(store.pausedTopics().keySet());
    }

    /** The listener to give the store: it queues commands for the next step and wakes the wheel thread. */
    TimerListener listener() {
        return listener;
    }

    /** What to call when a command is queued (the runner unparks its thread). */
    void wakeup(Runnable r) {
        this.wakeup = r;
    }

    /** Whether commands are queued: the runner must step again before sleeping. */
    boolean hasCommands() {
        return !inbox.isEmpty();
    }

    Delivery delivery() {
        return delivery;
    }

    /**
     * Does one round of work at the clock's current time (see the class comment).
     *
     * @return how many ms the caller may wait before the next step if nothing is queued meanwhile; 0 when there
     *         is more to do now. Never more than {@code loadIntervalMs}.
     */
    long step() {
        nowMs = clock.wallMillis();
        long mono = clock.monoNanos();
        drainInbox();
        int room = config.maxWheelReferences() - inMemory();
        if (loader.behind() ? room >= lowWater : mono - nextLoadNanos >= 0) {
            loaded += loader.load(nowMs, room, this::admitLoaded);
            nextLoadNanos = mono + loadIntervalNanos;
        }
        boolean drained = wheel.advance(nowMs, config.maxFirePerStep(), fireSink) < config.maxFirePerStep();
        endBackoffs(mono);
        endLingering();
        boolean reloadCut = false;
        for (int round = 0; round < MAX_ROUNDS_PER_STEP; round++) {
            if (drained) {
                reloadCut = reloadLanes();
            }
            dispatchReady();
            if (inbox.isEmpty()) {
                break;
            }
            drainInbox();
        }
        publishGauges(mono);
        loaderWaitsForRoom = loader.behind();
        if (!drained || reloadCut || !inbox.isEmpty() || !ready.isEmpty()
                || (loader.behind() && config.maxWheelReferences() - inMemory() >= lowWater)) {
            return 0;
        }
        return waitMs(mono);
    }

    private long waitMs(long mono) {
        long wait = config.loadIntervalMs();
        long hint = wheel.nextDueHintMs();
        if (hint != Long.MAX_VALUE) {
            // Drained, so a hint at or before now is stale-low (a wall clock stepped back): look again in 1 ms.
            wait = Math.min(wait, Math.max(1, hint - nowMs));
        }
        if (!loader.behind()) {
            wait = Math.min(wait, ceilMs(nextLoadNanos - mono)); // behind, it waits for room, not for time
        }
        LaneState next = backingOff.peek();
        if (next != null) {
            wait = Math.min(wait, ceilMs(next.backoffUntilNanos - mono));
        }
        for (LaneState l : lingering) {
            Fired oldest = l.queue.peek(); // none if a retry emptied it since: then it ends at the next step
            long until = oldest == null ? 1 : oldest.firedAtMs() + config.dispatchLingerMs() - nowMs;
            wait = Math.min(wait, Math.max(1, until));
        }
        return Math.max(0, wait);
    }

    private static long ceilMs(long nanos) {
        return nanos <= 0 ? 0 : (nanos + 999_999) / 1_000_000;
    }

    private int inMemory() {
        return wheel.size() + outOfWheel.size();
    }

    // ---- commands

    private void post(Object command) {
        inbox.add(command);
        wakeup.run();
    }

    /**
     * A batch delivered whole, whose lane was released at its answer, only frees its timers' memory: unless the
     * loader waits for that room, it waits for the next step rather than waking the thread (one wake-up less per
     * batch at moderate rates). Anything else (a retry, a skipped timer whose new place is deferred) wakes it.
     */
    private void settledLater(Delivery.Result r) {
        if (r.laneReleased() && !loaderWaitsForRoom && allDelivered(r)) {
            inbox.add(r);
        } else {
            post(r);
        }
    }

    private static boolean allDelivered(Delivery.Result r) {
        for (Delivery.State s : r.states()) {
            if (s != Delivery.State.DELIVERED) {
                return false;
            }
        }
        return true;
    }

    private void drainInbox() {
        Object c;
        while ((c = inbox.poll()) != null) {
            if (c instanceof Delivery.Result r) {
                settled(r);
            } else if (c instanceof Answered a) {
                answered(a.lane);
            } else if (c instanceof Appended a) {
                for (DueEntry e : a.timers) {
                    insert(e);
                }
            } else if (c instanceof Cancelled x) {
                wheel.cancel(x.timer.seq());
                deferred.remove(x.timer.seq());
            } else if (c instanceof Rescheduled r) {
                wheel.cancel(r.before.seq());
                insert(r.after);
            } else if (c instanceof PauseChanged p) {
                changePause(p.topic, p.paused);
            }
        }
    }

    /** A timer became pending at {@code e}'s key: into the wheel if the loader has passed that key. */
    private void insert(DueEntry e) {
        if (!loader.covers(e.dueMs(), e.seq())) {
            return; // the loader will read it
        }
        Long firedDue = outOfWheel.get(e.seq());
        if (firedDue != null) {
            if (firedDue != e.dueMs()) {
                deferred.put(e.seq(), e); // its old place is being dispatched (and will be skipped)
            }
            return;
        }
        if (wheel.add(ref(e))) {
            directInserts++;
        }
    }

    private boolean admitLoaded(DueEntry e) {
        return !outOfWheel.containsKey(e.seq()) && wheel.add(ref(e));
    }

    private TimerRef ref(DueEntry e) {
        String topic = topics.get(e.topic());
        if (topic == null) {
            if (topics.size() >= 65_536) {
                topics.clear();
            }
            topic = e.topic();
            topics.put(topic, topic);
        }
        return new TimerRef(e.dueMs(), e.seq(), e.position(), e.size(), topic, e.queueId());
    }

    // ---- firing and lanes

    private void onFired(TimerRef ref) {
        fired++;
        long lag = nowMs - ref.dueMs();
        lastLagMs = lag;
        if (lag > maxLagMs) {
            maxLagMs = lag;
        }
        LaneState l = lanes.computeIfAbsent(new Lane(ref.topic(), ref.queueId()), LaneState::new);
        if (paused.contains(ref.topic())) {
            l.dropped(ref);
            hold(l);
            return;
        }
        if (l.backingOff || l.reloading) {
            // Its earlier timers left memory: this one waits its turn in the store, to keep the lane's order.
            l.dropped(ref);
            if (!l.backingOff) {
                reloading.add(l);
            }
            return;
        }
        enqueue(l, ref);
        markReady(l);
    }

    private void enqueue(LaneState l, TimerRef ref) {
        l.queue.add(new Fired(ref, nowMs));
        waitingForLanes++;
        outOfWheel.put(ref.seq(), ref.dueMs());
    }

    private void markReady(LaneState l) {
        if (!l.ready && !l.lingering && !l.inFlight && !l.backingOff && !l.queue.isEmpty()) {
            l.ready = true;
            ready.add(l);
        }
    }

    private void dispatchReady() {
        LaneState l;
        while ((l = ready.poll()) != null) {
            l.ready = false;
            if (l.inFlight || l.backingOff || l.queue.isEmpty()) {
                continue;
            }
            if (paused.contains(l.lane.topic())) {
                dropQueue(l); // fired before the pause took effect
                hold(l);
                continue;
            }
            if (lingers(l)) {
                l.lingering = true;
                lingering.add(l);
                continue;
            }
            List<Fired> batch = l.takeBatch(config.dispatchBatchSize());
            waitingForLanes -= batch.size();
            l.inFlight = true;
            delivery.submit(l, batch);
        }
    }

    /** Whether a lane free to send should wait for more timers first (see {@link #LINGER_BATCH}). */
    private boolean lingers(LaneState l) {
        if (config.dispatchLingerMs() <= 0 || l.queue.isEmpty() || l.queue.size() >= LINGER_BATCH
                || l.lastBatchFull) {
            return false;
        }
        long waited = nowMs - l.queue.peek().firedAtMs();
        return waited >= 0 && waited < config.dispatchLingerMs(); // negative: the wall clock stepped back
    }

    /** Lanes whose wait is over, or that have gathered a full batch meanwhile, become ready. */
    private void endLingering() {
        if (lingering.isEmpty()) {
            return;
        }
        Iterator<LaneState> it = lingering.iterator();
        while (it.hasNext()) {
            LaneState l = it.next();
            if (!lingers(l)) {
                it.remove();
                l.lingering = false;
                markReady(l);
                forgetIfIdle(l);
            }
        }
    }

    /** The backend took a lane's whole batch: its next batch may go while this one is being settled. */
    private void answered(LaneState l) {
        l.inFlight = false;
        markReady(l);
        forgetIfIdle(l);
    }

    private void settled(Delivery.Result r) {
        LaneState l = r.lane();
        if (!r.laneReleased()) {
            l.inFlight = false; // else released at the answer, and perhaps in flight again with its next batch
        }
        boolean retry = false;
        boolean anyDelivered = false;
        for (int i = 0; i < r.batch().size(); i++) {
            TimerRef ref = r.batch().get(i).ref();
            outOfWheel.remove(ref.seq());
            switch (r.states()[i]) {
                case DELIVERED -> anyDelivered = true;
                case RETRY -> {
                    retry = true;
                    l.dropped(ref);
                }
                default -> { }
            }
            insertDeferred(ref.seq());
        }
        if (retry) {
            dropQueue(l);
            l.attempts++;
            l.backingOff = true;
            l.backoffUntilNanos = clock.monoNanos() + TimeUnit.MILLISECONDS.toNanos(backoff.delayMs(l.attempts));
            backingOff.add(l);
            reloading.remove(l);
        } else if (anyDelivered) {
            l.attempts = 0;
        }
        markReady(l);
        forgetIfIdle(l);
    }

    /** The lane's queued timers leave memory, to be re-read from the store in order. */
    private void dropQueue(LaneState l) {
        waitingForLanes -= l.queue.size();
        for (Fired f : l.queue) {
            outOfWheel.remove(f.ref().seq());
            l.dropped(f.ref());
            insertDeferred(f.ref().seq());
        }
        l.queue.clear();
    }

    // ---- pausing topics

    private void changePause(String topic, boolean pause) {
        if (pause) {
            paused.add(topic); // lanes are held as their timers fire or reach dispatch
            return;
        }
        paused.remove(topic);
        for (LaneState l : new ArrayList<>(lanes.values())) {
            if (l.held && l.lane.topic().equals(topic)) {
                l.held = false;
                l.backingOff = false;
                l.attempts = 0;
                if (l.reloading) {
                    reloading.add(l);
                }
                markReady(l);
                forgetIfIdle(l);
            }
        }
    }

    /** Holds a lane of a paused topic: nothing dispatched, its timers re-read from the store once resumed. */
    private void hold(LaneState l) {
        if (l.held) {
            return;
        }
        l.held = true;
        if (l.backingOff) {
            backingOff.remove(l);
        }
        l.backingOff = true;
        reloading.remove(l);
    }

    private void insertDeferred(long seq) {
        DueEntry moved = deferred.remove(seq);
        if (moved != null) {
            insert(moved);
        }
    }

    private void endBackoffs(long mono) {
        LaneState l;
        while ((l = backingOff.peek()) != null && l.backoffUntilNanos - mono <= 0) {
            backingOff.poll();
            l.backingOff = false;
            if (l.reloading) {
                reloading.add(l);
            }
            markReady(l);
            forgetIfIdle(l);
        }
    }

    private void forgetIfIdle(LaneState l) {
        if (l.idle()) {
            lanes.remove(l.lane, l); // a lane forgotten at its answer may have a new state by its settling
        }
    }

    // ---- re-reading lanes after a retry

    /** Re-reads the timers of lanes being re-read; true if it stopped at the per-step budget. */
    private boolean reloadLanes() {
        int budget = RELOAD_ROWS_PER_STEP;
        Iterator<LaneState> it = reloading.iterator();
        while (it.hasNext()) {
            if (budget <= 0) {
                return true;
            }
            LaneState l = it.next();
            if (!l.reloading || l.backingOff) {
                it.remove();
                continue;
            }
            if (l.queue.size() >= config.dispatchBatchSize()) {
                continue; // enough to send: read more when the lane has drained
            }
            budget -= reload(l, budget);
            if (!l.reloading) {
                it.remove();
            }
            markReady(l);
            forgetIfIdle(l);
        }
        return false;
    }

    /**
     * Reads one lane's pending timers again, in key order, from just before the first that left memory, through
     * the store's per-topic index; queues those due and not in memory. The lane leaves re-reading when it reaches
     * the loader's cursor (or now) with nothing left, once the wall clock has passed every timer that left.
     *
     * @return index rows read
     */
    private int reload(LaneState l, int maxRows) {
        long toDue = Math.min(nowMs, loader.cursorDueMs());
        int want = reloadTarget - l.queue.size();
        int rows = 0;
        while (want > 0 && rows < maxRows) {
            if (toDue < l.reloadAfterDueMs) {
                endReloadIfPast(l);
                return rows;
            }
            TopicPage page = store.listTopic(l.lane.topic(), 0, toDue, l.reloadAfterDueMs, l.reloadAfterSeq,
                    RELOAD_PAGE);
            rows += (int) Math.max(1, page.rowsRead());
            boolean consumedAll = true;
            for (DueEntry e : page.entries()) {
                if (!loader.covers(e.dueMs(), e.seq())) {
                    endReloadIfPast(l); // beyond the cursor is the loader's
                    return rows;
                }
                if (want == 0) {
                    consumedAll = false;
                    break;
                }
                l.reloadAfterDueMs = e.dueMs();
                l.reloadAfterSeq = e.seq();
                if (e.queueId() == l.lane.queueId() && !wheel.contains(e.seq()) && !outOfWheel.containsKey(e.seq())) {
                    enqueue(l, ref(e));
                    reloaded++;
                    want--;
                }
            }
            if (consumedAll && !page.more()) {
                endReloadIfPast(l);
                return rows;
            }
        }
        return rows;
    }

    /** The lane's range is read through: it leaves re-reading unless a timer that left is due after now. */
    private void endReloadIfPast(LaneState l) {
        if (nowMs >= l.maxDroppedDueMs) {
            l.reloading = false;
        }
    }

    /**
     * Whether a burst is being re-published: more fired timers waited for their lanes than one batch holds at the
     * end of a step within the last {@link #BURST_TAIL_NANOS}. Work that can wait (acknowledgements) should
     * (decision 0031), unless the loader waits for the memory it holds: a timer stays in memory until its
     * acknowledgement is written. Any thread.
     */
    boolean dispatchingABurst() {
        return !loaderHeldByTheBound && clock.monoNanos() - burstSeenNanos < BURST_TAIL_NANOS;
    }

    // ---- stats

    /** @param mono the step's monotonic time, from its start */
    private void publishGauges(long mono) {
        inWheelGauge = wheel.size();
        outOfWheelGauge = outOfWheel.size();
        if (waitingForLanes > config.dispatchBatchSize()) {
            burstSeenNanos = mono;
        }
        loaderHeldByTheBound = loader.behind() && config.maxWheelReferences() - inMemory() < lowWater;
        lanesGauge = lanes.size();
        backingOffGauge = backingOff.size();
        cursorGauge = loader.cursorDueMs();
    }

    /** A snapshot; safe from any thread. */
    ServiceStats stats() {
        return new ServiceStats(fired, delivery.count(Delivery.State.DELIVERED),
                delivery.count(Delivery.State.RETRY), delivery.count(Delivery.State.PARKED),
                delivery.count(Delivery.State.SKIPPED), loaded, directInserts, reloaded,
                inWheelGauge, outOfWheelGauge, lanesGauge, backingOffGauge, cursorGauge, lastLagMs, maxLagMs);
    }

    // ---- what the store's listener queues

    private record Answered(LaneState lane) {
    }

    private record Appended(List<DueEntry> timers) {
    }

    private record Cancelled(DueEntry timer) {
    }

    private record Rescheduled(DueEntry before, DueEntry after) {
    }

    private record PauseChanged(String topic, boolean paused) {
    }

    /** Pauses or resumes re-publishing {@code topic} at the next step (the caller has recorded it in the store). */
    void pause(String topic, boolean pause) {
        post(new PauseChanged(topic, pause));
    }

    /** Called by the store's committer under its write lock: only queues and wakes, never blocks. */
    private final class Listener implements TimerListener {
        @Override
        public void onAppended(List<DueEntry> timers) {
            post(new Appended(timers));
        }

        @Override
        public void onCancelled(DueEntry timer) {
            post(new Cancelled(timer));
        }

        @Override
        public void onRescheduled(DueEntry before, DueEntry after) {
            post(new Rescheduled(before, after));
        }
    }
}
