package io.sundial.proxy.remoting;

import org.apache.rocketmq.remoting.protocol.RemotingCommand;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of sends Sundial holds — from the moment one is decoded off the wire, through its wait for a send
 * thread, until its answer is written (the store's append, the backend's reply) — capped, so that a flood of
 * producers or a slow backend is answered {@code SYSTEM_BUSY} at once instead of filling the heap. A request
 * larger than the whole budget is admitted alone, when nothing else is in flight, so that it is never refused for
 * ever. Thread-safe.
 */
public final class InflightBudget {
    /** What a request costs beyond its body and header strings: the command object, its maps, the response. */
    private static final long OVERHEAD_BYTES = 512;

    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();
    /** What each admitted request took (RemotingCommand has identity equality), so that release gives back exactly that. */
    private final Map<RemotingCommand, Long> admitted = new ConcurrentHashMap<>();

    public InflightBudget(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes is " + maxBytes + "; it must be positive");
        }
        this.maxBytes = maxBytes;
    }

    /** The heap a request holds while in flight, approximately: body, header strings (two bytes a char), overhead. */
    public static long sizeOf(RemotingCommand request) {
        long size = OVERHEAD_BYTES + (request.getBody() == null ? 0 : request.getBody().length);
        Map<String, String> fields = request.getExtFields();
        if (fields != null) {
            for (Map.Entry<String, String> e : fields.entrySet()) {
                size += 2L * (e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().length()));
            }
        }
        return size;
    }

    /** Admits {@code request} if its size fits; false (and nothing taken) if not. */
    public boolean tryAdmit(RemotingCommand request) {
        long size = sizeOf(request);
        if (!tryAcquire(size)) {
            return false;
        }
        admitted.put(request, size);
        return true;
    }

    /** Gives back what {@link #tryAdmit} took for {@code request}; nothing if it was not admitted. */
    public void release(RemotingCommand request) {
        Long size = admitted.remove(request);
        if (size != null) {
            release(size);
        }
    }

    boolean tryAcquire(long bytes) {
        while (true) {
            long current = used.get();
            if (current > 0 && current + bytes > maxBytes) {
                return false;
            }
            if (used.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    public long usedBytes() {
        return used.get();
    }

    public long maxBytes() {
        return maxBytes;
    }
}
