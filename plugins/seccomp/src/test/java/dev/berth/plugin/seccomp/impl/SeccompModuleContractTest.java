package dev.berth.plugin.seccomp.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationModuleContract;
import java.lang.annotation.Annotation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.TestInstance;

/**
 * The isolation module contract, run against the seccomp module as DS would activate it. PER_CLASS because
 * the contract's parameter sources are instance methods.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeccompModuleContractTest extends IsolationModuleContract {
    static final String SMALL = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"ptrace\"],"
            + "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}";

    @Override
    protected IsolationModule module() {
        return new SeccompModule(new SeccompModule.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return SeccompModule.Config.class;
            }

            @Override
            public boolean unconfinedAllowed() {
                return true;
            }
        });
    }

    @Override
    protected Map<String, Map<String, List<String>>> validOptions() {
        Map<String, Map<String, List<String>>> sets = new LinkedHashMap<>();
        sets.put("none", options());
        sets.put("unconfined", options("security-opt", "seccomp=unconfined"));
        sets.put("unconfined with Docker's colon", options("security-opt", "seccomp:unconfined"));
        sets.put("privileged", options("privileged", "true"));
        sets.put("profile", options("security-opt", "seccomp=" + SMALL));
        sets.put("other security options pass", options("security-opt", "label=disable", "security-opt",
                "no-new-privileges"));
        sets.put("privileged with a profile", options("privileged", "true", "security-opt", "seccomp=" + SMALL));
        return sets;
    }

    @Override
    protected Map<String, Refusal> invalidOptions() {
        Map<String, Refusal> bad = new LinkedHashMap<>();
        bad.put("a path the CLI did not read", refuse("seccomp=/etc/profile.json"));
        bad.put("empty value", refuse("seccomp="));
        bad.put("malformed JSON", refuse("seccomp={\"defaultAction\":"));
        bad.put("unknown action", refuse("seccomp={\"defaultAction\":\"SCMP_ACT_MAYBE\"}"));
        bad.put("unknown field", refuse("seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultAktion\":1}"));
        return bad;
    }

    private static Refusal refuse(String option) {
        return refusal("seccomp", "security-opt", option);
    }
}
