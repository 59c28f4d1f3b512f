package io.sundial.store;

import io.sundial.store.record.CorruptRecordException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The timer-log records found corrupt — by the scrubber or by a read for delivery — each counted and logged once,
 * by position, with the latest few kept for {@code admin status}. Thread-safe.
 */
public final class CorruptRecords {
    private static final Logger LOG = LoggerFactory.getLogger(CorruptRecords.class);
    private static final int KEPT = 100;
    /** Positions remembered so that each counts once; a store with more corrupt records than this counts some twice. */
    private static final int REMEMBERED = 100_000;

    private final Map<Long, String> latest = new LinkedHashMap<>();
    private final Set<Long> seen = new HashSet<>();
    private long count;

    /** Notes {@code e}, found by {@code finder}; true if this position was not known yet. */
    public synchronized boolean report(CorruptRecordException e, String finder) {
        if (seen.contains(e.position())) {
            return false;
        }
        if (seen.size() < REMEMBERED) {
            seen.add(e.position());
        }
        count++;
        latest.put(e.position(), e.getMessage() + " (found by " + finder + ")");
        if (latest.size() > KEPT) {
            latest.remove(latest.keySet().iterator().next());
        }
        LOG.error("Timer log: {} (found by {}). Its bytes are never delivered: the timer it held is parked when it"
                + " falls due (bin/sundial admin parked); its neighbours are unaffected. Restore the segment from a"
                + " backup if the timer matters (docs/operations.md, \"Corrupt records\").", e.getMessage(), finder);
        return true;
    }

    /** Corrupt records found since the store opened (a position counts once, however often it is read). */
    public synchronized long count() {
        return count;
    }

    /** The latest ones found, oldest first: what, where and by whom. */
    public synchronized List<String> latest() {
        return new ArrayList<>(latest.values());
    }
}
