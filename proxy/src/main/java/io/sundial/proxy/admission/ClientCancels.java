package io.sundial.proxy.admission;

import io.sundial.store.ChangeResult;
import io.sundial.store.TimerStore;
import io.sundial.store.index.DueEntry;
import org.apache.rocketmq.common.producer.RecallMessageHandle;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

import java.util.concurrent.CompletableFuture;

/**
 * Cancels asked for by applications through the stock client: {@code recallMessage} with a recall handle, and
 * delete markers ({@code TIMER_DEL_UNIQKEY}). Both cancel every pending (or parked) timer of the topic with that
 * unique key, wherever its due time is, and answer one of:
 *
 * <ul>
 *   <li>SUCCESS: cancelled now, or already cancelled before (a client's retry of the same cancel succeeds);</li>
 *   <li>ILLEGAL_OPERATION (604) "too late": it is being re-published right now and will be delivered;</li>
 *   <li>QUERY_NOT_FOUND (22): already delivered, or unknown (never stored, or delivered so long ago that its
 *       tombstone expired). The stock broker cannot tell and says nothing; Sundial says so, so that an
 *       application learns its cancel did not take effect. The stock client does not retry this code.</li>
 * </ul>
 */
public final class ClientCancels {
    /** A cancel's answer: the response code, a remark, and the timer cancelled (null if none). */
    public record Result(int code, String remark, DueEntry cancelled) {
    }

    private final TimerStore store;

    public ClientCancels(TimerStore store) {
        this.store = store;
    }

    /** Cancels the timers of {@code topic} with {@code uniqKey}. */
    public CompletableFuture<Result> cancel(String topic, String uniqKey, String what) {
        return store.cancel(topic, uniqKey).thenApply(r -> answer(r, topic, uniqKey, what));
    }

    private static Result answer(ChangeResult r, String topic, String uniqKey, String what) {
        String timer = "message " + uniqKey + " of topic " + topic;
        return switch (r.status()) {
            case CHANGED -> new Result(ResponseCode.SUCCESS, null, r.changed().get(0));
            case ALREADY_CANCELLED -> new Result(ResponseCode.SUCCESS, timer + " was already cancelled", null);
            case TOO_LATE -> new Result(ResponseCode.ILLEGAL_OPERATION, what + " failed, too late: " + timer
                    + " is being delivered right now", null);
            case ALREADY_DELIVERED -> new Result(ResponseCode.QUERY_NOT_FOUND, what + " failed: " + timer
                    + " was already delivered", null);
            default -> new Result(ResponseCode.QUERY_NOT_FOUND, what + " failed: Sundial holds no pending " + timer
                    + " (never stored, or delivered long ago)", null);
        };
    }

    /** The recall handle of a stored send, in the broker's v1 format, naming the backend broker it targeted. */
    public static String recallHandle(String topic, String brokerName, long dueMs, String uniqKey) {
        return RecallMessageHandle.HandleV1.buildHandle(topic, brokerName, Long.toString(dueMs + 1), uniqKey);
    }
}
