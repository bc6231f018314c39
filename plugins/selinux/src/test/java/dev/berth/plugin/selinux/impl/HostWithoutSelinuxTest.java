package dev.berth.plugin.selinux.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModuleContract;
import dev.berth.api.isolation.IsolationRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The module with its production settings on this real host, which has no SELinux (/sys/fs/selinux absent). */
class HostWithoutSelinuxTest {
    private static final Path SELINUXFS = Path.of(SelinuxSettings.DEFAULT_SELINUXFS);

    @BeforeEach
    void needsAHostWithoutSelinux() {
        assumeFalse(Files.exists(SELINUXFS.resolve("enforce")),
                "this test checks the behaviour on a host without SELinux, but " + SELINUXFS + "/enforce exists");
    }

    @Test
    void labelsAreRecordedAndLeftOutOfConfigJson() throws Exception {
        SelinuxLabeller module = new SelinuxLabeller(SelinuxSettings.defaults(SELINUXFS), new ChconRelabeller("chcon"));
        Contribution c = module.contribute(new IsolationRequest("real", "real", Map.of(),
                IsolationModuleContract.BASE_SPEC, Map.of()));
        assertEquals(List.of(), c.fields());
        assertEquals(List.of("SELinux labels computed but left out of config.json: no SELinux on this host"
                + " (no /sys/fs/selinux); runc and crun refuse them otherwise"), c.notes());
        assertEquals("false", c.facts().get("enabled"));
        assertFalse(c.facts().get("level").isEmpty());
    }

    @Test
    void requiredFailsHereNamingSelinuxfs() {
        SelinuxLabeller module = new SelinuxLabeller(SelinuxSettings.defaults(SELINUXFS).withRequired(true),
                new ChconRelabeller("chcon"));
        BerthException e = assertThrows(BerthException.class, () -> module.contribute(new IsolationRequest("real",
                "real", Map.of(), IsolationModuleContract.BASE_SPEC, Map.of())));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertEquals("SELinux labels for container real: the selinux module is configured with required=true,"
                + " but this host has no SELinux (/sys/fs/selinux/enforce does not exist)", e.getMessage());
    }
}
