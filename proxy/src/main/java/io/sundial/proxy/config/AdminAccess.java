package io.sundial.proxy.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may run admin commands: state-changing ones need {@code token}; read-only ones too if
 * {@code readRequiresToken}. An empty token with {@code tokenRequired} refuses every state-changing command (and
 * {@code bin/sundial start} refuses to run); an empty token is accepted only when {@code tokenRequired} is false.
 */
public record AdminAccess(String token, boolean tokenRequired, boolean readRequiresToken) {
    public AdminAccess {
        token = token == null ? "" : token;
    }

    /** Whether a request carrying {@code presented} may run a command that changes state or only reads. */
    public Decision check(String presented, boolean changesState) {
        if (!changesState && !readRequiresToken) {
            return Decision.ALLOWED;
        }
        if (token.isEmpty()) {
            return tokenRequired ? Decision.NO_TOKEN_CONFIGURED : Decision.ALLOWED;
        }
        if (presented == null || presented.isEmpty()) {
            return Decision.TOKEN_MISSING;
        }
        // Constant time: a wrong token must not reveal how much of it was right.
        return MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8))
                ? Decision.ALLOWED : Decision.TOKEN_WRONG;
    }

    public enum Decision { ALLOWED, TOKEN_MISSING, TOKEN_WRONG, NO_TOKEN_CONFIGURED }
}
