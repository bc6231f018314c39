package dev.berth.plugin.selinux.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationModuleContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The isolation module contract for the SELinux module on an SELinux host (a fake selinuxfs whose enforce
 * file reads 1; volumes relabelled through a recording relabeller). {@code label=level:L} is not among the
 * valid sets: two containers given the same level share it on purpose, which the contract's "never the
 * same facts twice" check would call a double allocation; SelinuxLabellerTest covers it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SelinuxOnContractTest extends IsolationModuleContract {
    @TempDir
    Path dir;

    @Override
    protected IsolationModule module() {
        return new SelinuxLabeller(SelinuxSettings.defaults(Selinuxfs.on(dir, "1")), new RecordingRelabeller());
    }

    @Override
    protected Map<String, Map<String, List<String>>> validOptions() {
        String data = volumeDir("data");
        Map<String, Map<String, List<String>>> valid = new LinkedHashMap<>();
        valid.put("none", options());
        valid.put("labelDisable", options("security-opt", "label=disable"));
        valid.put("processType", options("security-opt", "label=type:spc_t"));
        valid.put("userRoleFiletype", options("security-opt", "label=user:staff_u", "security-opt", "label=role:staff_r",
                "security-opt", "label=filetype:svirt_sandbox_file_t"));
        valid.put("sharedVolume", options("volume", data + ":/data:rw,z"));
        valid.put("privateVolume", options("volume", data + ":/data:ro,Z"));
        return valid;
    }

    @Override
    protected Map<String, Refusal> invalidOptions() {
        return HostileOptions.table();
    }

    private String volumeDir(String name) {
        try {
            return Files.createDirectories(dir.resolve(name)).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
