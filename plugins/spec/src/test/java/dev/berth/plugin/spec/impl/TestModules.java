package dev.berth.plugin.spec.impl;

import dev.berth.api.BerthException;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.ModuleLifecycle;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Small isolation modules for the spec stage's own tests (the real ones are bundles of their own, tested
 * there): a fixed one that isolates like Docker's defaults for real runc runs, and a scriptable one.
 */
final class TestModules {
    private TestModules() {
    }

    /** New pid, network, ipc, uts and mount namespaces and Docker's 14 capabilities, as one module. */
    static List<ActiveModule> dockerLike() {
        String caps = "[\"CAP_AUDIT_WRITE\",\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FOWNER\",\"CAP_FSETID\","
                + "\"CAP_KILL\",\"CAP_MKNOD\",\"CAP_NET_BIND_SERVICE\",\"CAP_NET_RAW\",\"CAP_SETFCAP\","
                + "\"CAP_SETGID\",\"CAP_SETPCAP\",\"CAP_SETUID\",\"CAP_SYS_CHROOT\"]";
        Scripted module = new Scripted(Set.of(), request -> Contribution.builder()
                .set("/linux/namespaces", "[{\"type\":\"ipc\"},{\"type\":\"mount\"},{\"type\":\"network\"},"
                        + "{\"type\":\"pid\"},{\"type\":\"uts\"}]", "test: Docker's namespaces")
                .set("/process/capabilities", "{\"bounding\":" + caps + ",\"effective\":" + caps + ",\"permitted\":"
                        + caps + "}", "test: Docker's capabilities")
                .build());
        return List.of(new ActiveModule("docker-like", "0.0.1", 10, true, module));
    }

    /** A module answering with {@code answer}, reading {@code options}, recording what it was asked. */
    static class Scripted implements IsolationModule, ModuleLifecycle {
        final Set<String> options;
        final Function<IsolationRequest, Contribution> answer;
        final List<IsolationRequest> asked = new CopyOnWriteArrayList<>();
        final List<String> released = new CopyOnWriteArrayList<>();

        Scripted(Set<String> options, Function<IsolationRequest, Contribution> answer) {
            this.options = options;
            this.answer = answer;
        }

        @Override
        public Set<String> options() {
            return options;
        }

        @Override
        public Contribution contribute(IsolationRequest request) throws BerthException {
            asked.add(request);
            Contribution contribution = answer.apply(request);
            if (contribution == null) {
                throw new BerthException(dev.berth.api.ErrorKind.INVALID, "--" + options.iterator().next() + " refused");
            }
            return contribution;
        }

        @Override
        public void restore(String containerId, Map<String, String> facts) {
        }

        @Override
        public void release(String containerId, Map<String, String> facts) {
            released.add(containerId);
        }
    }
}
