package io.sundial.proxy.route;

import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerGateTest {
    private static final String ADDR = "10.0.0.1:10911";

    /** A remoting client whose every {@code invoke} is recorded and answered by the test, later. */
    private static final class ScriptedClient {
        final List<RemotingCommand> requests = new ArrayList<>();
        final List<CompletableFuture<RemotingCommand>> answers = new ArrayList<>();
        boolean failAtOnce;
        final RemotingClient client = (RemotingClient) Proxy.newProxyInstance(RemotingClient.class.getClassLoader(),
                new Class<?>[] {RemotingClient.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("invoke")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    requests.add((RemotingCommand) args[1]);
                    CompletableFuture<RemotingCommand> answer = new CompletableFuture<>();
                    if (failAtOnce) {
                        answer.completeExceptionally(new RemotingTimeoutException("connection refused"));
                    }
                    answers.add(answer);
                    return answer;
                });
    }

    @Test
    void shouldLetSendsGoWithoutProbingWhileTheBrokerAnswers() {
        ScriptedClient scripted = new ScriptedClient();
        BrokerGate gate = new BrokerGate(scripted.client, 3_000);
        assertTrue(gate.mayReach(ADDR).join());
        assertEquals(0, scripted.requests.size(), "no probe for a broker that never failed");
    }

    @Test
    void shouldProbeAgainAfterAProbeThatFailedAtOnce() {
        ScriptedClient scripted = new ScriptedClient();
        BrokerGate gate = new BrokerGate(scripted.client, 3_000);
        gate.sendFailed(ADDR, "a re-publish", new RemotingTimeoutException("timed out"));
        scripted.failAtOnce = true; // connection refused: the probe's future is failed before invoke returns
        assertFalse(gate.mayReach(ADDR).join());
        scripted.failAtOnce = false;
        CompletableFuture<Boolean> next = gate.mayReach(ADDR);
        assertEquals(2, scripted.requests.size(), "a failed probe is not kept as the answer for ever");
        scripted.answers.get(1).complete(RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null));
        assertTrue(next.join());
    }

    @Test
    void shouldHoldSendsToASilentBrokerUntilItAnswersAProbe() {
        ScriptedClient scripted = new ScriptedClient();
        BrokerGate gate = new BrokerGate(scripted.client, 3_000);
        gate.sendFailed(ADDR, "a re-publish", new RemotingTimeoutException("timed out"));
        assertTrue(gate.isSilent(ADDR));

        CompletableFuture<Boolean> first = gate.mayReach(ADDR);
        CompletableFuture<Boolean> second = gate.mayReach(ADDR);
        assertSame(first, second, "lanes waiting for one broker share one probe");
        assertEquals(1, scripted.requests.size());
        assertEquals(RequestCode.GET_BROKER_CONFIG, scripted.requests.get(0).getCode());
        scripted.answers.get(0).completeExceptionally(new RemotingTimeoutException("still frozen"));
        assertFalse(first.join(), "no answer: the send must not go");
        assertTrue(gate.isSilent(ADDR));

        CompletableFuture<Boolean> third = gate.mayReach(ADDR);
        assertEquals(2, scripted.requests.size(), "the next attempt probes again");
        scripted.answers.get(1).complete(RemotingCommand.createResponseCommand(ResponseCode.NO_PERMISSION, "acl"));
        assertTrue(third.join(), "any answer, even a refusal, shows the broker is back");
        assertFalse(gate.isSilent(ADDR));
        assertTrue(gate.mayReach(ADDR).join());
        assertEquals(2, scripted.requests.size(), "no more probes once it answered");
    }
}
