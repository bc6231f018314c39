package dev.berth.plugin.selinux.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationModuleContract;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The isolation module contract for the SELinux module on a host without SELinux (like this machine). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SelinuxOffContractTest extends IsolationModuleContract {
    @TempDir
    Path dir;

    @Override
    protected IsolationModule module() {
        return new SelinuxLabeller(SelinuxSettings.defaults(Selinuxfs.off(dir)), new RecordingRelabeller());
    }

    @Override
    protected Map<String, Map<String, List<String>>> validOptions() {
        Map<String, Map<String, List<String>>> valid = new LinkedHashMap<>();
        valid.put("none", options());
        valid.put("labelDisable", options("security-opt", "label=disable"));
        valid.put("labelDisableDockerColonForm", options("security-opt", "label:disable"));
        valid.put("volumeWithoutRelabel", options("volume", "/srv/data:/data:rw"));
        valid.put("sharedVolumeSkipped", options("volume", "/srv/data:/data:rw,z"));
        valid.put("privateVolumeSkipped", options("volume", "/srv/data:/data:ro,Z"));
        return valid;
    }

    @Override
    protected Map<String, Refusal> invalidOptions() {
        return HostileOptions.table();
    }
}
