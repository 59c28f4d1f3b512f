package io.sundial.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Sundial's version, from the build (the filtered resource {@code sundial-version.properties}). */
public final class SundialVersion {
    private static final String VERSION = load();

    private SundialVersion() {
    }

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = SundialVersion.class.getResourceAsStream("/sundial-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
