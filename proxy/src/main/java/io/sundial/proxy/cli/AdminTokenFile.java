package io.sundial.proxy.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The quickstart's admin token: 32 random hex characters in a file readable by its owner only, made once and kept
 * across restarts of the same data directory.
 */
final class AdminTokenFile {
    static final String NAME = "admin-token";

    private AdminTokenFile() {
    }

    static String readOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            String token = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!token.isEmpty()) {
                return token;
            }
        }
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        Files.createDirectories(file.getParent());
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // the file system has no POSIX permissions: the data directory's own protection applies
        }
        return token;
    }
}
