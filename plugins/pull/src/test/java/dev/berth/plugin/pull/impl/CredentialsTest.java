package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Docker-style config.json logins: lookup, writing with mode 0600, and never showing a password. */
class CredentialsTest {
    @TempDir
    Path dir;

    private static String auth(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void looksUpHostPortAndUrlKeys() throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"auths\":{"
                + "\"127.0.0.1:5000\":{\"auth\":\"" + auth("a", "p:with:colons") + "\"},"
                + "\"https://index.docker.io/v1/\":{\"auth\":\"" + auth("hub", "hubpw") + "\"},"
                + "\"other\":{\"identitytoken\":\"x\"}},\"credsStore\":\"none\"}");
        Credentials credentials = Credentials.load(config);
        assertEquals(new Credentials.Login("a", "p:with:colons"), credentials.lookup("127.0.0.1:5000").orElseThrow());
        assertEquals("hub", credentials.lookup("docker.io").orElseThrow().username());
        assertTrue(credentials.lookup("127.0.0.1:5001").isEmpty());
        assertFalse(credentials.toString().contains("p:with:colons"));
        assertTrue(Credentials.load(dir.resolve("missing.json")).lookup("127.0.0.1:5000").isEmpty());
    }

    @Test
    void storeWritesMode0600AndKeepsOtherContent() throws Exception {
        Path config = dir.resolve("docker/config.json");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "{\"auths\":{\"a:1\":{\"auth\":\"" + auth("x", "y") + "\"}},\"psFormat\":\"table\"}");
        Credentials.store(config, "127.0.0.1:5000", "bob", "pw1");
        Credentials.store(config, "127.0.0.1:5000", "bob", "pw2");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
        String text = Files.readString(config);
        assertTrue(text.contains("psFormat"), text);
        Credentials credentials = Credentials.load(config);
        assertEquals("pw2", credentials.lookup("127.0.0.1:5000").orElseThrow().password());
        assertEquals("y", credentials.lookup("a:1").orElseThrow().password());
    }

    @Test
    void malformedFileNeverQuotesItsContent() throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"auths\":{\"h\":{\"auth\":\"!!secret-not-base64!!\"}}}");
        BerthException e = assertThrows(BerthException.class, () -> Credentials.load(config));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        Files.writeString(config, "{secret-and-broken");
        e = assertThrows(BerthException.class, () -> Credentials.load(config));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }
}
