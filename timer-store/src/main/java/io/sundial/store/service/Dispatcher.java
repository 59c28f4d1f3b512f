package io.sundial.store.service;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Re-publishes due timers; supplied by the consumer of the store (the proxy sends them to the backend broker).
 *
 * <p><b>Contract.</b> The service calls {@link #dispatch} on one of its dispatch threads, with at most one call in
 * flight per {@link Lane} and the timers of a call in due order, so a lane's order is kept if the dispatcher sends
 * them in the order given. Calls for different lanes run concurrently, so implementations must be thread-safe.
 * The call should not block: it returns a stage that completes with exactly one {@link Outcome} per timer, in the
 * order given. A call that throws, a stage that fails, or a list of the wrong length counts as
 * {@link Outcome.Retry} for every timer of the call. To keep order, once one timer of a call fails the
 * dispatcher should answer {@code Retry} for the rest of the call that goes to the same destination rather than
 * send them (the proxy's: the same broker; a lane is a queue number, which several brokers can have). After a
 * call with a Retry the lane backs off as a whole.
 *
 * <p>Delivery is at least once: a timer whose delivery raced a crash or a failed acknowledgement, or whose call
 * was still unanswered when the service stopped, may be delivered again.
 */
@FunctionalInterface
public interface Dispatcher {
    /** Re-publishes {@code timers}, all of {@code lane}, and answers one outcome per timer. */
    CompletionStage<List<Outcome>> dispatch(Lane lane, List<DueTimer> timers);
}
