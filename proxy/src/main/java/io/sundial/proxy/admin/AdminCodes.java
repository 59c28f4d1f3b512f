package io.sundial.proxy.admin;

import java.util.Map;

/**
 * Request codes of Sundial's admin commands, far above RocketMQ's own (which end near 200,200), so that no
 * RocketMQ release can collide with them. Each request carries its arguments as a JSON object in the body and
 * the token in the ext field {@link #TOKEN_FIELD}; each answer carries JSON in the body and, on failure, a
 * RocketMQ response code with a readable remark. Listed in docs/compatibility.md.
 */
public final class AdminCodes {
    public static final int STATUS = 900_001;
    public static final int STATS = 900_002;
    public static final int LIST = 900_003;
    public static final int GET = 900_004;
    public static final int CANCEL = 900_005;
    public static final int RESCHEDULE = 900_006;
    public static final int PAUSE = 900_007;
    public static final int RESUME = 900_008;
    public static final int PARKED = 900_009;
    public static final int RELEASE = 900_010;
    public static final int BACKUP = 900_011;

    /** The ext field carrying the admin token. */
    public static final String TOKEN_FIELD = "sundialAdminToken";

    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(STATUS, "status"),
            Map.entry(STATS, "stats"), Map.entry(LIST, "list"), Map.entry(GET, "get"), Map.entry(CANCEL, "cancel"),
            Map.entry(RESCHEDULE, "reschedule"), Map.entry(PAUSE, "pause"), Map.entry(RESUME, "resume"),
            Map.entry(PARKED, "parked"), Map.entry(RELEASE, "release"), Map.entry(BACKUP, "backup"));

    private AdminCodes() {
    }

    /** Every admin code with its command name. */
    public static Map<Integer, String> names() {
        return NAMES;
    }

    /** Whether the command changes state or writes files on Sundial's host (and so needs the token). */
    public static boolean changesState(int code) {
        return code == CANCEL || code == RESCHEDULE || code == PAUSE || code == RESUME || code == RELEASE
                || code == BACKUP;
    }
}
