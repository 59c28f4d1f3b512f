package io.sundial.compat.passthrough;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.compat.SundialProcess;
import io.sundial.compat.SundialScript;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS as docs/compatibility.md says to serve it: Sundial started with RocketMQ's {@code tls.server.*} properties
 * in {@code SUNDIAL_JAVA_OPTS}, a certificate and key made here with the JDK's keytool. {@code permissive} serves
 * producers with {@code setUseTLS(true)} and plaintext ones on the same port; {@code enforcing} refuses plaintext,
 * admin commands included unless they run with {@code -Dtls.enable=true}. Every plain and timed send arrives
 * once, none early. A TLS mode whose certificate does not load stops the start
 * with a message naming the settings, where RocketMQ's server alone would serve plaintext and log it elsewhere.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class TlsTest {
    private static final String STORE_PASSWORD = "changeit";

    @TempDir
    Path dir;

    @Test
    void shouldServeTlsProducersAndPlaintextOnesWhenPermissiveAndOnlyTlsWhenEnforcing(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("Tls");
        String tls = writeCertificate(dir);
        try (SundialProcess permissive = process(env, "permissive",
                "-Dtls.server.mode=permissive " + tls).start()) {
            Map<String, Long> dueById = new HashMap<>(sendThrough(permissive.address(), topic, true));
            dueById.putAll(sendThrough(permissive.address(), topic, false));
            // Read while that Sundial runs: a stopped Sundial keeps its timers until it starts again.
            assertEquals(new Clients.ReadBack(4, 0, 0, 0),
                    Clients.readBack(env.namesrvAddr(), topic, dueById, Duration.ofSeconds(30)));
        }
        String enforced = Clients.unique("TlsEnforced");
        try (SundialProcess enforcing = process(env, "enforcing", "-Dtls.server.mode=enforcing " + tls).start()) {
            Map<String, Long> dueById = sendThrough(enforcing.address(), enforced, true);
            DefaultMQProducer plaintext = producer(enforcing.address(), false);
            try {
                assertThrows(Exception.class, () -> plaintext.send(new Message(enforced, "t", "k",
                        "plaintext".getBytes(StandardCharsets.UTF_8))), "a plaintext producer is refused");
            } finally {
                plaintext.shutdown();
            }
            assertEquals(new Clients.ReadBack(2, 0, 0, 0),
                    Clients.readBack(env.namesrvAddr(), enforced, dueById, Duration.ofSeconds(30)));
            assertTrue(admin(enforcing, "-Dtls.enable=true").exit() == 0, "the admin command over TLS");
            assertTrue(admin(enforcing, "").exit() != 0, "a plaintext admin command is refused");
        }
    }

    @Test
    void shouldRefuseToStartWhenTheTlsContextCannotBeBuilt(SundialCluster.Running env) throws Exception {
        Path missing = dir.resolve("no-such-cert.pem");
        SundialProcess sundial = process(env, "broken", "-Dtls.server.mode=enforcing -Dtls.test.mode.enable=false"
                + " -Dtls.server.certPath=" + missing + " -Dtls.server.keyPath=" + missing);
        IllegalStateException refused = assertThrows(IllegalStateException.class, sundial::start);
        assertTrue(refused.getMessage().contains("no TLS context could be built")
                && refused.getMessage().contains("tls.server.certPath"), refused.getMessage());
        sundial.close();
    }

    private SundialScript.Output admin(SundialProcess sundial, String javaOpts) throws Exception {
        return SundialScript.run(SundialScript.builder("-Xmx128m " + javaOpts, dir.resolve("admin-logs"), "admin",
                "status", "-s", sundial.address(), "--json"), Duration.ofSeconds(120));
    }

    private SundialProcess process(SundialCluster.Running env, String name, String tlsOptions) throws Exception {
        return new SundialProcess(Files.createDirectories(dir.resolve(name)), env.namesrvAddr())
                .javaOpts("-Xmx512m " + tlsOptions);
    }

    /**
     * A self-signed certificate for 127.0.0.1 and its key, as PEM files in {@code dir}: keytool makes them in a
     * PKCS#12 store, which has no PEM export for keys, so the key is written from the store here. Returns the JVM
     * options that point RocketMQ's server at them.
     */
    private static String writeCertificate(Path dir) throws Exception {
        Path store = dir.resolve("sundial.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "sundial", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore",
                store.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD)
                .redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0,
                new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, STORE_PASSWORD.toCharArray());
        }
        Path cert = dir.resolve("sundial-cert.pem");
        Path key = dir.resolve("sundial-key.pem");
        Files.writeString(cert, pem("CERTIFICATE", keys.getCertificate("sundial").getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY", keys.getKey("sundial", STORE_PASSWORD.toCharArray()).getEncoded()));
        return String.join(" ", List.of("-Dtls.test.mode.enable=false", "-Dtls.server.certPath=" + cert,
                "-Dtls.server.keyPath=" + key));
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static Map<String, Long> sendThrough(String sundial, String topic, boolean tls) throws Exception {
        DefaultMQProducer producer = producer(sundial, tls);
        try {
            return Clients.sendPlainAndTimed(producer, topic, 1_000);
        } finally {
            producer.shutdown();
        }
    }

    private static DefaultMQProducer producer(String sundial, boolean tls) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(Clients.unique("pg"));
        p.setNamesrvAddr(sundial);
        p.setInstanceName(Clients.unique("producer"));
        p.setUseTLS(tls);
        p.setSendMsgTimeout(5_000);
        p.setRetryTimesWhenSendFailed(0);
        p.start();
        return p;
    }
}
