package io.sundial.proxy.remoting;

import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InflightBudgetTest {
    @Test
    void shouldRefuseWhatDoesNotFitAndAdmitItAgainOnceReleased() {
        InflightBudget budget = new InflightBudget(1_000);
        assertTrue(budget.tryAcquire(600));
        assertFalse(budget.tryAcquire(500), "600 + 500 is over 1,000");
        assertTrue(budget.tryAcquire(400));
        budget.release(600);
        assertTrue(budget.tryAcquire(500));
        assertEquals(900, budget.usedBytes());
    }

    @Test
    void shouldAdmitARequestLargerThanTheWholeBudgetOnlyAlone() {
        InflightBudget budget = new InflightBudget(1_000);
        assertTrue(budget.tryAcquire(1));
        assertFalse(budget.tryAcquire(5_000));
        budget.release(1);
        assertTrue(budget.tryAcquire(5_000), "never refused for ever");
        assertFalse(budget.tryAcquire(1));
    }

    @Test
    void shouldGiveBackExactlyWhatARequestTookOnceAndNothingForOthers() {
        InflightBudget budget = new InflightBudget(100_000);
        RemotingCommand request = RemotingCommand.createRequestCommand(310, null);
        request.setBody(new byte[10_000]);
        assertTrue(budget.tryAdmit(request));
        long taken = budget.usedBytes();
        request.setBody(new byte[1]); // changed while processed: what was taken is still what is given back
        budget.release(RemotingCommand.createRequestCommand(310, null));
        assertEquals(taken, budget.usedBytes(), "a request never admitted gives nothing back");
        budget.release(request);
        budget.release(request);
        assertEquals(0, budget.usedBytes());
    }

    @Test
    void shouldCountTheBodyAndTheHeaderStrings() {
        RemotingCommand request = RemotingCommand.createRequestCommand(310, null);
        request.setBody(new byte[10_000]);
        long bodyOnly = InflightBudget.sizeOf(request);
        request.addExtField("i", "x".repeat(1_000));
        assertTrue(bodyOnly >= 10_000, "body counted: " + bodyOnly);
        assertEquals(bodyOnly + 2 * 1_001, InflightBudget.sizeOf(request));
    }

    @Test
    void shouldNeverLetConcurrentAcquirersExceedTheBudget() throws Exception {
        InflightBudget budget = new InflightBudget(10_000);
        AtomicLong maxSeen = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    if (budget.tryAcquire(700)) {
                        maxSeen.accumulateAndGet(budget.usedBytes(), Math::max);
                        budget.release(700);
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(maxSeen.get() <= 10_000, "at most the budget in use: " + maxSeen.get());
        assertEquals(0, budget.usedBytes(), "everything released");
    }
}
