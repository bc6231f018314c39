package dev.berth.api.isolation;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The promises of {@link IsolationModule} as a suite every module runs by extending this class: it
 * declares the options it reads, its fields are well-formed JSON with a reason each and never overlap one
 * another, bad option values are refused as {@link ErrorKind#INVALID} naming the option, the request is
 * left as it was, concurrent contributions work, and a module that allocates per container never hands
 * the same facts to two containers. {@link IsolationModule#check} refuses every bad option set exactly as
 * contribute does (same kind, same message), accepts every good one, and allocates nothing. What a
 * module's fields mean belongs to its own tests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class IsolationModuleContract {
    /** A config.json as the spec stage builds it before any module runs. */
    public static final String BASE_SPEC = """
            {"ociVersion":"1.0.2","process":{"terminal":false,"user":{"uid":0,"gid":0},"args":["sh"],
             "env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"cwd":"/",
             "capabilities":{"bounding":[],"effective":[],"permitted":[]},
             "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":false},
             "root":{"path":"/nonexistent/rootfs","readonly":false},"hostname":"c0ffee",
             "mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
             "linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]},"cgroupsPath":"/berth/c0ffee",
             "namespaces":[],"maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"]}}
            """;
    private static final Pattern OPTION = Pattern.compile("[a-z][a-z0-9-]*|security-opt=[a-z][a-z0-9-]*");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A fresh module, as DS would activate it. */
    protected abstract IsolationModule module() throws Exception;

    /** Option sets the module accepts, each named (at least "none": the empty set). */
    protected abstract Map<String, Map<String, List<String>>> validOptions();

    /** Option sets the module refuses, each named, with the option its message must name. */
    protected abstract Map<String, Refusal> invalidOptions();

    /** A refused option set and the option name the error must mention. */
    public record Refusal(Map<String, List<String>> options, String mentions) {
    }

    /**
     * An option set from name, value pairs in order; a name given again adds a value to its list:
     * {@code options("cap-drop", "ALL", "cap-add", "CHOWN", "cap-add", "KILL")}. Unmodifiable.
     */
    public static Map<String, List<String>> options(String... nameValuePairs) {
        if (nameValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("options takes name, value pairs: " + List.of(nameValuePairs));
        }
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            options.computeIfAbsent(nameValuePairs[i], name -> new ArrayList<>()).add(nameValuePairs[i + 1]);
        }
        options.replaceAll((name, values) -> List.copyOf(values));
        return Collections.unmodifiableMap(options);
    }

    /** The refusal of {@link #options options(nameValuePairs)}, whose message must mention {@code mentions}. */
    public static Refusal refusal(String mentions, String... nameValuePairs) {
        return new Refusal(options(nameValuePairs), mentions);
    }

    /**
     * Whether the module's {@link IsolationModule#check} refuses bad options ahead of contribute; true unless
     * overridden. A module that keeps the default no-op check overrides this to false, and the contract
     * then skips the comparison of check with contribute, with a printed note.
     */
    protected boolean checksOptions() {
        return true;
    }

    /**
     * Names of {@link #invalidOptions} entries that only contribute can refuse, because telling needs the
     * spec that check does not have (the process user, the rootfs): check may let them pass, but if it
     * refuses one it must be as contribute does. None unless overridden.
     */
    protected Set<String> refusedOnlyWithTheSpec() {
        return Set.of();
    }

    /** The spec given to the module; override when the module needs a real rootfs. */
    protected String baseSpec() {
        return BASE_SPEC;
    }

    /** The request for container {@code id} with {@code options}. */
    protected IsolationRequest request(String id, Map<String, List<String>> options) {
        return new IsolationRequest(id, "name-" + id, options, baseSpec(), Map.of());
    }

    /** The request {@link IsolationModule#check} is given for the request of {@link #request}: no spec yet. */
    protected IsolationRequest checkRequest(String id, Map<String, List<String>> options) {
        IsolationRequest request = request(id, options);
        return new IsolationRequest(request.containerId(), request.name(), request.options(), "{}", request.peers());
    }

    Stream<Arguments> valid() {
        return validOptions().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    Stream<Arguments> invalid() {
        return invalidOptions().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @Test
    void declaresTheOptionsItReads() throws Exception {
        Set<String> options = module().options();
        assertNotNull(options);
        for (String option : options) {
            assertTrue(OPTION.matcher(option).matches(), "option \"" + option
                    + "\" is neither a long flag name nor security-opt=KEY");
        }
        assertTrue(validOptions().containsKey("none"), "the contract needs the empty option set, named none");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void fieldsAreWellFormedAndApart(String name, Map<String, List<String>> options) throws Exception {
        IsolationModule module = module();
        Contribution contribution = module.contribute(request("c" + Math.abs(name.hashCode()), options));
        assertNotNull(contribution, "contribution for " + name);
        List<SpecField> fields = contribution.fields();
        for (int i = 0; i < fields.size(); i++) {
            SpecField field = fields.get(i);
            assertFalse(field.reason().isBlank(), field.pointer() + " has no reason");
            if (!field.removes()) {
                try {
                    JSON.readTree(field.value());
                } catch (JsonProcessingException e) {
                    fail(field.pointer() + " is not JSON: " + field.value(), e);
                }
            }
            for (int j = i + 1; j < fields.size(); j++) {
                assertFalse(field.overlaps(fields.get(j)), "the module sets " + field.pointer() + " and "
                        + fields.get(j).pointer() + ", which overlap");
            }
        }
        for (String option : options.keySet()) {
            String key = option;
            if (!key.equals("security-opt")) {
                assertTrue(module.options().contains(key), "the module accepted " + key + " without declaring it");
            }
        }
        release(module, "c" + Math.abs(name.hashCode()), contribution);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesBadOptionsNamingThem(String name, Refusal refusal) throws Exception {
        BerthException e = assertThrows(BerthException.class,
                () -> module().contribute(request("bad" + Math.abs(name.hashCode()), refusal.options())), name);
        assertEquals(ErrorKind.INVALID, e.kind(), name + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(refusal.mentions()), name + ": \"" + e.getMessage()
                + "\" does not name " + refusal.mentions());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void checkRefusesWhatContributeRefuses(String name, Refusal refusal) throws Exception {
        IsolationModule module = module();
        if (!checksOptions()) {
            System.out.println(getClass().getSimpleName() + ": " + name + ": check not compared with contribute:"
                    + " the module leaves its checks to contribute (checksOptions() is false)");
            return;
        }
        assertFalse(module.getClass().getMethod("check", IsolationRequest.class).isDefault(),
                module.getClass().getName() + " keeps the default no-op check; implement it, or override"
                        + " checksOptions() to return false");
        String id = "bad" + Math.abs(name.hashCode());
        BerthException contributed = assertThrows(BerthException.class,
                () -> module().contribute(request(id, refusal.options())), name);
        BerthException checked;
        try {
            module.check(checkRequest(id, refusal.options()));
            assertTrue(refusedOnlyWithTheSpec().contains(name), name + ": check let through what contribute refuses: "
                    + contributed.kind() + " " + contributed.getMessage());
            return;
        } catch (BerthException e) {
            checked = e;
        }
        assertEquals(contributed.kind(), checked.kind(), name + ": check and contribute disagree on the kind: "
                + checked.getMessage());
        assertEquals(contributed.getMessage(), checked.getMessage(), name);
    }

    /**
     * Check accepts every good option set, and allocates nothing: where two fresh modules give the same facts
     * for the same request (the allocation is deterministic, as a first free slot is), a module that checked
     * 64 other containers first must give those facts too; an allocation made by check would have moved them.
     * Where allocation is random the facts cannot tell, and the module's own tests must show it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void checkAcceptsGoodOptionsAndAllocatesNothing(String name, Map<String, List<String>> options) throws Exception {
        IsolationModule checker = module();
        for (int i = 0; i < 64; i++) {
            String id = "checked" + i;
            assertDoesNotThrow(() -> checker.check(checkRequest(id, options)), name);
        }
        if (!(checker instanceof ModuleLifecycle)) {
            return; // nothing allocated per container: nothing for check to leak
        }
        String id = "probe" + Math.abs(name.hashCode());
        IsolationModule first = module();
        IsolationModule second = module();
        Contribution a = first.contribute(request(id, options));
        release(first, id, a);
        Contribution b = second.contribute(request(id, options));
        release(second, id, b);
        if (!a.facts().equals(b.facts())) {
            System.out.println(getClass().getSimpleName() + ": " + name + ": allocation is not deterministic, so"
                    + " the contract cannot see whether check allocated; the module's own tests must");
            return;
        }
        Contribution afterChecks = checker.contribute(request(id, options));
        release(checker, id, afterChecks);
        assertEquals(a.facts(), afterChecks.facts(), name + ": after 64 checks contribute handed out other facts,"
                + " so check allocated something");
    }

    @Test
    void leavesTheRequestAsItWas() throws Exception {
        for (Map<String, List<String>> options : validOptions().values()) {
            IsolationRequest request = request("same", options);
            String before = request.toString();
            IsolationModule module = module();
            Contribution contribution = module.contribute(request);
            assertEquals(before, request.toString());
            release(module, "same", contribution);
        }
    }

    @Test
    void concurrentContributionsNeverShareAllocatedFacts() throws Exception {
        IsolationModule module = module();
        List<Map<String, List<String>>> sets = new ArrayList<>(validOptions().values());
        ConcurrentLinkedQueue<Map<String, String>> facts = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String id = "concurrent" + i;
                Map<String, List<String>> options = sets.get(i % sets.size());
                futures.add(pool.submit(() -> {
                    Contribution c = module.contribute(request(id, options));
                    if (!c.facts().isEmpty()) {
                        facts.add(c.facts());
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        if (module instanceof ModuleLifecycle) {
            Set<Map<String, String>> distinct = new HashSet<>(facts);
            assertEquals(facts.size(), distinct.size(), "an allocating module handed the same facts out twice: " + facts);
        }
    }

    @Test
    void lifecycleCallsAreIdempotent() throws Exception {
        IsolationModule module = module();
        if (!(module instanceof ModuleLifecycle lifecycle)) {
            return; // nothing allocated, nothing to check: the other cases cover the module
        }
        Contribution contribution = module.contribute(request("again", Map.of()));
        Executable twice = () -> {
            lifecycle.restore("again", contribution.facts());
            lifecycle.restore("again", contribution.facts());
            lifecycle.release("again", contribution.facts());
            lifecycle.release("again", contribution.facts());
            lifecycle.release("never-seen", Map.of());
        };
        assertDoesNotThrow(twice);
    }

    @Test
    void watchingAContainerWithoutACgroupDoesNotThrow() throws Exception {
        IsolationModule module = module();
        if (!(module instanceof ContainerWatcher watcher)) {
            return; // not a watcher
        }
        AutoCloseable handle = watcher.watch(new WatchedContainer("gone", Integer.MAX_VALUE,
                "/berth/no-such-container-cgroup", Map.of()), observation -> { });
        assertNotNull(handle);
        handle.close();
    }

    private static void release(IsolationModule module, String id, Contribution contribution) {
        if (module instanceof ModuleLifecycle lifecycle) {
            lifecycle.release(id, contribution.facts());
        }
    }
}
