package io.sundial.proxy.cli.admin;

import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.sundial.proxy.admin.AdminCodes;
import org.apache.rocketmq.remoting.exception.RemotingException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sundial admin <command>}: query and change pending timers of a running Sundial. Exit status 0 on success,
 * 1 when Sundial answered with an error (nothing found, too late, refused), 2 on bad arguments or no connection.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
        description = "Query, cancel, reschedule and pause pending timers of a running Sundial.",
        subcommands = {AdminCommand.Status.class, AdminCommand.Stats.class, AdminCommand.ListTimers.class,
                AdminCommand.Get.class, AdminCommand.Cancel.class, AdminCommand.Reschedule.class,
                AdminCommand.Pause.class, AdminCommand.Resume.class, AdminCommand.Parked.class,
                AdminCommand.Release.class, AdminCommand.Backup.class})
public final class AdminCommand implements Runnable {
    static final String TOKEN_ENV = "SUNDIAL_ADMIN_TOKEN";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options every admin command takes. */
    static final class Common {
        @Option(names = {"-s", "--server"}, defaultValue = "127.0.0.1:9877",
                description = "Sundial's host:port (default ${DEFAULT-VALUE})")
        String server;

        @Option(names = "--json", description = "print the answer as JSON, for scripts")
        boolean json;

        @Option(names = "--local", description = "print times in the local zone instead of UTC")
        boolean local;

        @Option(names = "--token", description = "the admin token (else --token-file, else $" + TOKEN_ENV + ")")
        String token;

        @Option(names = "--token-file", description = "a file holding the admin token")
        Path tokenFile;

        @Option(names = "--timeout", defaultValue = "30000", description = "request timeout in ms (default ${DEFAULT-VALUE})")
        long timeoutMs;

        String resolveToken() throws IOException {
            if (token != null) {
                return token;
            }
            if (tokenFile != null) {
                return Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
            }
            return System.getenv(TOKEN_ENV);
        }
    }

    /** Names the timers a command acts on. */
    static final class Selector {
        @Option(names = {"-t", "--topic"}, description = "the timer's topic")
        String topic;

        @Option(names = {"-i", "--uniq-key"}, description = "the message's unique key (UNIQ_KEY, SendResult.getMsgId())")
        String uniqKey;

        @Option(names = {"-k", "--key"}, description = "a message key (KEYS): every pending timer carrying it")
        String key;

        @Option(names = {"-m", "--msg-id"},
                description = "the msgId a send returned: Sundial's id (5D..., SendResult.getOffsetMsgId()), "
                        + "or the message's unique key (then with -t)")
        String msgId;

        void into(JSONObject args) {
            args.put("topic", topic);
            args.put("uniqKey", uniqKey);
            args.put("key", key);
            args.put("msgId", msgId);
        }
    }

    /** One admin request and how to print its answer. */
    abstract static class Request implements Callable<Integer> {
        @Mixin
        Common common;

        abstract int code();

        abstract JSONObject args();

        abstract void print(AdminPrinter printer, JSONObject body);

        /** How long to wait for the answer: {@code --timeout}. */
        long timeoutMs() {
            return common.timeoutMs;
        }

        @Override
        public Integer call() {
            String name = AdminCodes.names().get(code());
            JSONObject args;
            String token;
            try {
                args = args();
                token = common.resolveToken();
            } catch (IllegalArgumentException | IOException e) {
                System.err.println("sundial admin " + name + ": " + e.getMessage());
                return 2;
            }
            AdminClient.Answer answer;
            try (AdminClient client = new AdminClient(common.server, token, timeoutMs())) {
                answer = client.call(code(), args);
            } catch (RemotingException e) {
                System.err.println("sundial admin " + name + ": cannot reach Sundial at " + common.server + ": "
                        + e.getMessage());
                return 2;
            } catch (Exception e) {
                System.err.println("sundial admin " + name + ": " + e);
                return 2;
            }
            AdminPrinter printer = new AdminPrinter(System.out, common.json, common.local);
            printer.addIsoTimes(answer.body());
            if (common.json) {
                printer.printJson(answer.body());
            } else if (!answer.body().isEmpty() && !(answer.code() != 0 && noTimers(answer.body()))) {
                print(printer, answer.body());
            }
            if (answer.code() != 0) {
                System.err.println("sundial admin " + name + ": " + answer.remark() + " (code " + answer.code() + ")");
                return 1;
            }
            return 0;
        }
    }

    /** A command that takes as long as the store is big. */
    private static final long LONG_COMMAND_TIMEOUT_MS = 3_600_000;

    /** An answer whose only content is an empty list of timers: nothing worth a table. */
    static boolean noTimers(JSONObject body) {
        JSONArray timers = body.getJSONArray("timers");
        return timers != null && timers.isEmpty();
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Sundial's health and totals.")
    static final class Status extends Request {
        @Override
        int code() {
            return AdminCodes.STATUS;
        }

        @Override
        JSONObject args() {
            return new JSONObject();
        }

        @Override
        void print(AdminPrinter p, JSONObject b) {
            JSONArray paused = b.getJSONArray("pausedTopics");
            List<String> names = new ArrayList<>();
            for (int i = 0; paused != null && i < paused.size(); i++) {
                names.add(paused.getJSONObject(i).getString("topic"));
            }
            b.put("pausedTopics", names.isEmpty() ? "-" : String.join(", ", names));
            JSONArray consumers = b.getJSONArray("misdirectedConsumers");
            List<String> groups = new ArrayList<>();
            for (int i = 0; consumers != null && i < consumers.size(); i++) {
                JSONObject c = consumers.getJSONObject(i);
                groups.add(c.getString("group") + " (from " + c.getString("from") + ")");
            }
            b.put("misdirectedConsumers", groups.isEmpty() ? "-" : String.join(", ", groups));
            JSONArray corrupt = b.getJSONArray("corruptRecordsLatest");
            b.put("corruptRecordsLatest", corrupt == null || corrupt.isEmpty() ? "-"
                    : String.join("\n    ", corrupt.toJavaList(String.class)));
            p.printFields(b, List.of("version", "startTime", "uptimeMs", "health", "healthReasons", "backendNamesrv",
                    "backendReachable", "backendError", "storePath", "flushMode", "storeBytes", "pending", "parked",
                    "storeFull", "storeWriteFailure", "freeDiskBytes", "nextDueTime", "oldestOverdueTime",
                    "oldestOverdueMs", "deliveredPerSecondLastMinute", "delivered",
                    "retryingLanes", "retried", "inWheel", "pausedTopics", "corruptRecords", "corruptRecordsLatest",
                    "scrubPasses", "lastScrubTime", "lastBackupTime", "lastBackupDir", "misdirectedConsumers"));
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Pending timers per topic with a due-time histogram.")
    static final class Stats extends Request {
        @Option(names = {"-t", "--topic"}, description = "only this topic")
        String topic;

        @Override
        int code() {
            return AdminCodes.STATS;
        }

        @Override
        JSONObject args() {
            JSONObject a = new JSONObject();
            a.put("topic", topic);
            return a;
        }

        @Override
        void print(AdminPrinter p, JSONObject b) {
            List<List<String>> rows = new ArrayList<>();
            JSONArray topics = b.getJSONArray("topics");
            for (int i = 0; i < topics.size(); i++) {
                JSONObject t = topics.getJSONObject(i);
                JSONObject due = t.getJSONObject("due");
                rows.add(List.of(t.getString("topic"), t.getString("pending"), t.getString("parked"),
                        t.getBooleanValue("paused") ? "yes" : "no", due.getString("nextMinute"),
                        due.getString("nextHour"), due.getString("nextDay"), due.getString("nextMonth"),
                        due.getString("later")));
            }
            p.printTable(List.of("TOPIC", "PENDING", "PARKED", "PAUSED", "NEXT_MINUTE", "NEXT_HOUR", "NEXT_DAY",
                    "NEXT_MONTH", "LATER"), rows);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "One topic's pending timers in due order, a page at a time.")
    static final class ListTimers extends Request {
        @Option(names = {"-t", "--topic"}, required = true, description = "the topic")
        String topic;

        @Option(names = "--from", description = "due at or after (ISO-8601 with offset, or epoch ms)")
        String from;

        @Option(names = "--to", description = "due at or before (ISO-8601 with offset, or epoch ms)")
        String to;

        @Option(names = "--limit", defaultValue = "100", description = "timers per page (default ${DEFAULT-VALUE}, max 10000)")
        int limit;

        @Option(names = "--after", description = "the cursor a previous page printed, for the next page")
        String after;

        @Override
        int code() {
            return AdminCodes.LIST;
        }

        @Override
        JSONObject args() {
            JSONObject a = new JSONObject();
            a.put("topic", topic);
            if (from != null) {
                a.put("fromTimeMs", TimeArgs.instant(from));
            }
            if (to != null) {
                a.put("toTimeMs", TimeArgs.instant(to));
            }
            a.put("limit", limit);
            a.put("after", after);
            return a;
        }

        @Override
        void print(AdminPrinter p, JSONObject b) {
            p.printTimers(b.getJSONArray("timers"), false);
            String next = b.getString("next");
            System.out.println(next == null ? "(end)" : "next page: --after " + next);
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "A timer with its properties, by unique key, message key or msgId.")
    static final class Get extends Request {
        @Mixin
        Selector selector;

        @Option(names = "--body", description = "print the body too (decompressed if it was compressed)")
        boolean body;

        @Override
        int code() {
            return AdminCodes.GET;
        }

        @Override
        JSONObject args() {
            JSONObject a = new JSONObject();
            selector.into(a);
            a.put("body", body);
            return a;
        }

        @Override
        void print(AdminPrinter p, JSONObject b) {
            JSONArray timers = b.getJSONArray("timers");
            for (int i = 0; i < timers.size(); i++) {
                JSONObject t = timers.getJSONObject(i);
                if (i > 0) {
                    System.out.println();
                }
                Object props = t.remove("properties");
                List<String> keys = new ArrayList<>(List.of("topic", "queueId", "uniqKey", "id", "keys", "tags",
                        "dueTime", "enqueueTime", "state", "parkedTime", "parkReason", "bodySize", "producerGroup",
                        "bornHost", "bornTime", "recordError", "bodyCompression", "body", "bodyBase64"));
                p.printFields(t, keys);
                if (props instanceof Map<?, ?> m) {
                    System.out.println("properties");
                    m.forEach((k, v) -> System.out.printf("  %s=%s%n", k, v));
                }
            }
        }
    }

    /** cancel and reschedule: a selector, and --all to change several matches. */
    abstract static class Change extends Request {
        @Mixin
        Selector selector;

        @Option(names = "--all", description = "change every timer that matches (else several matches are refused)")
        boolean all;

        JSONObject selection() {
            JSONObject a = new JSONObject();
            selector.into(a);
            a.put("all", all);
            return a;
        }

        @Override
        void print(AdminPrinter p, JSONObject b) {
            p.printTimers(b.getJSONArray("timers"), true);
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel pending timers: they are never delivered. A timer being re-published is too late.")
    static final class Cancel extends Change {
        @Override
        int code() {
            return AdminCodes.CANCEL;
        }

        @Override
        JSONObject args() {
            return selection();
        }
    }

    @Command(name = "reschedule", mixinStandardHelpOptions = true,
            description = "Move pending timers to a new due time (earlier or later).")
    static final class Reschedule extends Change {
        @ArgGroup(exclusive = true, multiplicity = "1")
        When when;

        static final class When {
            @Option(names = "--at", description = "the new due time (ISO-8601 with offset, or epoch ms)")
            String at;

            @Option(names = "--delay", description = "due this long from now (90s, 10m, 2h, 7d)")
            String delay;
        }

        @Override
        int code() {
            return AdminCodes.RESCHEDULE;
        }

        @Override
        JSONObject args() {
            JSONObject a = selection();
            a.put("atTimeMs", when.at != null ? TimeArgs.instant(when.at)
                    : System.currentTimeMillis() + TimeArgs.durationMs(when.delay));
            return a;
        }
    }

    /** pause and resume: a topic. */
    abstract static class TopicSwitch extends Request {
        @Option(names = {"-t", "--topic"}, required = true, description = "the topic")
        String topic;

        @Override
        JSONObject args() {
            JSONObject a = new JSONObject();
            a.put("topic", topic);
            return a;
        }

        @Override
        void print(AdminPrinter p, JSONObject b) {
            p.printFields(b, List.of("topic", "paused", "wasPaused", "pending"));
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Hold re-publishing a topic: timers keep arriving and stay pending. Survives restarts.")
    static final class Pause extends TopicSwitch {
        @Override
        int code() {
            return AdminCodes.PAUSE;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Resume a paused topic: its due timers are re-published in due order.")
    static final class Resume extends TopicSwitch {
        @Override
        int code() {
            return AdminCodes.RESUME;
        }
    }

    @Command(name = "parked", mixinStandardHelpOptions = true,
            description = "Timers parked by a permanent re-publish failure, with the reason.")
    static final class Parked extends Request {
        @Option(names = {"-t", "--topic"}, description = "only this topic")
        String topic;

        @Option(names = "--limit", defaultValue = "100", description = "at most this many (default ${DEFAULT-VALUE})")
        int limit;

        @Override
        int code() {
            return AdminCodes.PARKED;
        }

        @Override
        JSONObject args() {
            JSONObject a = new JSONObject();
            a.put("topic", topic);
            a.put("limit", limit);
            return a;
        }

        @Override
        void print(AdminPrinter p, JSONObject b) {
            JSONArray timers = b.getJSONArray("timers");
            List<List<String>> rows = new ArrayList<>();
            for (int i = 0; i < timers.size(); i++) {
                JSONObject t = timers.getJSONObject(i);
                rows.add(List.of(AdminPrinter.text(t.get("topic")), AdminPrinter.text(t.get("uniqKey")),
                        AdminPrinter.text(t.get("dueTime")), AdminPrinter.text(t.get("parkedTime")),
                        AdminPrinter.text(t.get("parkReason"))));
            }
            p.printTable(List.of("TOPIC", "UNIQ_KEY", "DUE", "PARKED", "REASON"), rows);
            System.out.println("parked in all: " + b.getString("parkedTotal"));
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Put parked timers back on schedule once the cause is fixed (due as before: at once if past).")
    static final class Release extends Request {
        @Option(names = {"-t", "--topic"}, required = true, description = "the topic")
        String topic;

        @Option(names = {"-i", "--uniq-key"}, description = "the parked timer's unique key")
        String uniqKey;

        @Option(names = "--all", description = "every parked timer of the topic")
        boolean all;

        @Override
        int code() {
            return AdminCodes.RELEASE;
        }

        @Override
        JSONObject args() {
            if ((uniqKey == null) == !all) {
                throw new IllegalArgumentException("give -i UNIQ_KEY or --all (one of them)");
            }
            JSONObject a = new JSONObject();
            a.put("topic", topic);
            a.put("uniqKey", uniqKey);
            a.put("all", all);
            return a;
        }

        @Override
        void print(AdminPrinter p, JSONObject b) {
            p.printTimers(b.getJSONArray("timers"), false);
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Copy the store, while Sundial runs, to a new directory on Sundial's host: start Sundial on "
                    + "it to restore. Writes wait only while the copy is pinned (milliseconds).")
    static final class Backup extends Request {
        @Option(names = "--to", required = true,
                description = "the backup directory on Sundial's host: absolute, not existing yet, its parent existing;"
                        + " best on another disk")
        String dir;

        @Override
        int code() {
            return AdminCodes.BACKUP;
        }

        @Override
        JSONObject args() {
            JSONObject a = new JSONObject();
            a.put("dir", dir);
            return a;
        }

        /** The copy takes as long as the store is big: waits up to an hour, or longer with {@code --timeout}. */
        @Override
        long timeoutMs() {
            return Math.max(common.timeoutMs, LONG_COMMAND_TIMEOUT_MS);
        }

        @Override
        void print(AdminPrinter p, JSONObject b) {
            p.printFields(b, List.of("dir", "pending", "segments", "bytes", "writesHeldMs", "tookMs"));
        }
    }
}
