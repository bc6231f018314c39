package dev.berth.plugin.selinux.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModuleContract;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.SpecField;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SelinuxLabellerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PROCESS = Pattern.compile("system_u:system_r:container_t:(s0:c(\\d+),c(\\d+))");
    private static final Pattern MOUNT = Pattern.compile("system_u:object_r:container_file_t:(s0:c(\\d+),c(\\d+))");

    @TempDir
    Path dir;

    private final RecordingRelabeller relabeller = new RecordingRelabeller();

    private SelinuxLabeller on() {
        return new SelinuxLabeller(SelinuxSettings.defaults(Selinuxfs.on(dir, "1")), relabeller);
    }

    private SelinuxLabeller off() {
        return new SelinuxLabeller(SelinuxSettings.defaults(Selinuxfs.off(dir)), relabeller);
    }

    private static IsolationRequest request(String id, Map<String, List<String>> options) {
        return new IsolationRequest(id, "name-" + id, options, IsolationModuleContract.BASE_SPEC, Map.of());
    }

    private static Map<String, List<String>> label(String... values) {
        return Map.of("security-opt", Stream.of(values).map(v -> "label=" + v).toList());
    }

    private static String text(SpecField field) throws Exception {
        JsonNode node = JSON.readTree(field.value());
        assertTrue(node.isTextual(), field.pointer() + " is not a JSON string: " + field.value());
        return node.asText();
    }

    @Test
    void onAnSelinuxHostSetsWellFormedProcessAndMountLabels() throws Exception {
        Contribution c = on().contribute(request("c1", Map.of()));
        assertEquals(List.of("/process/selinuxLabel", "/linux/mountLabel"),
                c.fields().stream().map(SpecField::pointer).toList());
        Matcher process = PROCESS.matcher(text(c.fields().get(0)));
        Matcher mount = MOUNT.matcher(text(c.fields().get(1)));
        assertTrue(process.matches(), text(c.fields().get(0)));
        assertTrue(mount.matches(), text(c.fields().get(1)));
        int low = Integer.parseInt(process.group(2));
        int high = Integer.parseInt(process.group(3));
        assertTrue(0 <= low && low < high && high <= 1023, process.group(1));
        assertEquals(process.group(1), mount.group(1), "process and mount labels share the level");
        assertEquals(Map.of("level", process.group(1), "processLabel", text(c.fields().get(0)),
                "mountLabel", text(c.fields().get(1)), "enabled", "true"), c.facts());
        assertTrue(c.notes().contains("SELinux is on (enforcing, read from " + dir.resolve("selinuxfs-1/enforce") + ")"),
                c.notes().toString());
        assertTrue(c.fields().get(0).reason().contains("container_t with its own MCS pair " + process.group(1)),
                c.fields().get(0).reason());
    }

    @Test
    void aPermissiveHostIsNoted() throws Exception {
        SelinuxLabeller module = new SelinuxLabeller(SelinuxSettings.defaults(Selinuxfs.on(dir, "0")), relabeller);
        Contribution c = module.contribute(request("c1", Map.of()));
        assertEquals(2, c.fields().size());
        assertTrue(c.notes().get(0).startsWith("SELinux is on (permissive"), c.notes().toString());
    }

    @Test
    void withoutSelinuxLabelsAreRecordedButLeftOut() throws Exception {
        Contribution c = off().contribute(request("c1", Map.of()));
        assertEquals(List.of(), c.fields());
        assertEquals(List.of("SELinux labels computed but left out of config.json: no SELinux on this host (no "
                + Selinuxfs.off(dir) + "); runc and crun refuse them otherwise"), c.notes());
        Matcher process = PROCESS.matcher(c.facts().get("processLabel"));
        assertTrue(process.matches(), c.facts().toString());
        assertEquals(process.group(1), c.facts().get("level"));
        assertEquals("system_u:object_r:container_file_t:" + process.group(1), c.facts().get("mountLabel"));
        assertEquals("false", c.facts().get("enabled"));
    }

    @Test
    void labelDisableSetsAndAllocatesNothing() throws Exception {
        for (SelinuxLabeller module : List.of(on(), off())) {
            Contribution c = module.contribute(request("c1", Map.of("security-opt", List.of("label=disable"),
                    "volume", List.of(dir + ":/data:rw,Z"))));
            assertEquals(List.of(), c.fields());
            assertEquals(Map.of(), c.facts());
            assertTrue(c.notes().get(0).startsWith("SELinux labelling disabled by --security-opt label=disable"),
                    c.notes().toString());
            assertTrue(c.notes().get(1).contains("not relabelled"), c.notes().toString());
        }
        assertEquals(List.of(), relabeller.calls());
    }

    @Test
    void requiredFailsEveryContainerOnAHostWithoutSelinux() {
        Path fs = Selinuxfs.off(dir);
        SelinuxLabeller module = new SelinuxLabeller(SelinuxSettings.defaults(fs).withRequired(true), relabeller);
        for (Map<String, List<String>> options : List.of(Map.<String, List<String>>of(), label("disable"))) {
            BerthException e = assertThrows(BerthException.class, () -> module.contribute(request("c1", options)));
            assertEquals(ErrorKind.UNAVAILABLE, e.kind());
            assertEquals("SELinux labels for container c1: the selinux module is configured with required=true,"
                    + " but this host has no SELinux (" + fs.resolve("enforce") + " does not exist)", e.getMessage());
        }
    }

    @Test
    void requiredIsSatisfiedOnAnSelinuxHost() throws Exception {
        SelinuxLabeller module = new SelinuxLabeller(
                SelinuxSettings.defaults(Selinuxfs.on(dir, "1")).withRequired(true), relabeller);
        assertEquals(2, module.contribute(request("c1", Map.of())).fields().size());
    }

    static Stream<Arguments> demandsSelinux() {
        return Stream.of(
                Arguments.of("Type", label("type:spc_t"), "label=type:spc_t"),
                Arguments.of("Level", label("level:s0:c1,c2"), "label=level:s0:c1,c2"),
                Arguments.of("User", label("user:staff_u"), "label=user:staff_u"),
                Arguments.of("Role", label("role:staff_r"), "label=role:staff_r"),
                Arguments.of("FileType", label("filetype:my_file_t"), "label=filetype:my_file_t"),
                Arguments.of("TypeAndLevel", label("type:a_t", "level:s0"), "label=type:a_t label=level:s0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("demandsSelinux")
    void anOptionThatDemandsSelinuxFailsWithoutIt(String name, Map<String, List<String>> options, String mentions) {
        BerthException e = assertThrows(BerthException.class, () -> off().contribute(request("c1", options)));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("--security-opt " + mentions + ": this host has no SELinux ("
                + Selinuxfs.off(dir).resolve("enforce") + " does not exist)"), e.getMessage());
    }

    @Test
    void explicitLabelPartsReplaceTheDefaults() throws Exception {
        Contribution c = on().contribute(request("c1",
                label("user:staff_u", "role:staff_r", "type:spc_t", "filetype:my_file_t", "level:s0:c7.c9")));
        assertEquals("staff_u:staff_r:spc_t:s0:c7.c9", text(c.fields().get(0)));
        assertEquals("system_u:object_r:my_file_t:s0:c7.c9", text(c.fields().get(1)));
        assertEquals("s0:c7.c9", c.facts().get("level"));
        assertTrue(c.fields().get(0).reason().contains("label=type"), c.fields().get(0).reason());
        assertTrue(c.fields().get(0).reason().contains("level s0:c7.c9 from --security-opt label=level"),
                c.fields().get(0).reason());
    }

    @Test
    void configuredTypesAreTheDefaults() throws Exception {
        SelinuxSettings settings = new SelinuxSettings(Selinuxfs.on(dir, "1"), false, "my_container_t",
                "my_container_file_t", 1024, "chcon");
        Contribution c = new SelinuxLabeller(settings, relabeller).contribute(request("c1", Map.of()));
        assertTrue(text(c.fields().get(0)).startsWith("system_u:system_r:my_container_t:s0:c"));
        assertTrue(text(c.fields().get(1)).startsWith("system_u:object_r:my_container_file_t:s0:c"));
    }

    @Test
    void aGivenLevelIsSharedOnPurposeAndAvoidedByAllocation() throws Exception {
        SelinuxLabeller module = new SelinuxLabeller(SelinuxSettings.defaults(Selinuxfs.on(dir, "1")).withCategories(3),
                relabeller);
        Contribution a = module.contribute(request("a", label("level:s0:c0,c1")));
        Contribution b = module.contribute(request("b", label("level:s0:c0,c1")));
        assertEquals(a.facts().get("level"), b.facts().get("level"));
        Set<String> allocated = new HashSet<>();
        allocated.add(module.contribute(request("x", Map.of())).facts().get("level"));
        allocated.add(module.contribute(request("y", Map.of())).facts().get("level"));
        assertEquals(Set.of("s0:c0,c2", "s0:c1,c2"), allocated);
        assertThrows(BerthException.class, () -> module.contribute(request("z", Map.of())));
        module.release("a", a.facts());
        assertThrows(BerthException.class, () -> module.contribute(request("z", Map.of())), "b still holds it");
        module.release("b", b.facts());
        assertEquals("s0:c0,c1", module.contribute(request("z", Map.of())).facts().get("level"));
    }

    @Test
    void aRestartRestoresTakenPairsFromFacts() throws Exception {
        SelinuxSettings settings = SelinuxSettings.defaults(Selinuxfs.off(dir)).withCategories(4);
        SelinuxLabeller before = new SelinuxLabeller(settings, relabeller);
        List<Map<String, String>> live = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            live.add(before.contribute(request("live" + i, Map.of())).facts());
        }
        SelinuxLabeller after = new SelinuxLabeller(settings, relabeller); // the daemon restarted
        for (int i = 0; i < 3; i++) {
            after.restore("live" + i, live.get(i));
            after.restore("live" + i, live.get(i));
        }
        Set<String> levels = new HashSet<>();
        live.forEach(f -> levels.add(f.get("level")));
        for (int i = 0; i < 3; i++) {
            String level = after.contribute(request("new" + i, Map.of())).facts().get("level");
            assertTrue(levels.add(level), level + " was handed out again after the restart");
        }
        BerthException e = assertThrows(BerthException.class, () -> after.contribute(request("seventh", Map.of())));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        after.release("live1", live.get(1));
        assertEquals(live.get(1).get("level"), after.contribute(request("reuser", Map.of())).facts().get("level"));
    }

    @Test
    void restoreAndReleaseIgnoreFactsWithoutAPair() {
        SelinuxLabeller module = off();
        module.restore("c", Map.of());
        module.restore("c", Map.of("level", "s0"));
        module.restore("c", Map.of("level", "garbage"));
        module.release("c", Map.of("level", "s0:c1.c5"));
        module.release("never-seen", Map.of());
    }

    @Test
    void refusedOptionsAllocateNothing() throws Exception {
        SelinuxLabeller module = new SelinuxLabeller(SelinuxSettings.defaults(Selinuxfs.off(dir)).withCategories(2),
                relabeller);
        assertThrows(BerthException.class, () -> module.contribute(request("bad", label("bogus"))));
        assertThrows(BerthException.class, () -> module.contribute(request("bad2",
                Map.of("volume", List.of("/etc:/etc:rw,Z")))));
        assertEquals("s0:c0,c1", module.contribute(request("good", Map.of())).facts().get("level"));
    }

    @Test
    void volumesAreRelabelledSharedOrPrivateOnAnSelinuxHost() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path own = Files.createDirectories(dir.resolve("own"));
        Contribution c = on().contribute(request("c1", Map.of("volume", List.of(shared + ":/s:rw,z",
                own + ":/o:ro,Z", dir + ":/plain:rw"))));
        String mountLabel = c.facts().get("mountLabel");
        assertEquals(List.of(new RecordingRelabeller.Call(shared.toRealPath(), "system_u:object_r:container_file_t:s0"),
                new RecordingRelabeller.Call(own.toRealPath(), mountLabel)), relabeller.calls());
        assertTrue(c.notes().contains("volume " + own.toRealPath() + " relabelled " + mountLabel + " (,Z: private)"),
                c.notes().toString());
    }

    @Test
    void volumesAreNotRelabelledWithoutSelinux() throws Exception {
        Contribution c = off().contribute(request("c1", Map.of("volume", List.of(dir + ":/s:rw,z"))));
        assertEquals(List.of(), relabeller.calls());
        assertTrue(c.notes().contains("volume " + dir.toRealPath() + " not relabelled (,z: shared): no SELinux on this host"),
                c.notes().toString());
    }

    @Test
    void aSymlinkToASystemPathIsRefusedAndNothingIsRelabelled() throws Exception {
        Path fine = Files.createDirectories(dir.resolve("fine"));
        Path sneaky = Files.createSymbolicLink(dir.resolve("sneaky"), Path.of("/etc"));
        BerthException e = assertThrows(BerthException.class, () -> on().contribute(request("c1",
                Map.of("volume", List.of(fine + ":/f:rw,Z", sneaky + ":/e:rw,Z")))));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertEquals("--volume " + sneaky + ":/e:rw,Z: relabelling the system path /etc is refused: it would change"
                + " the host's own SELinux labels; mount a directory of its own instead", e.getMessage());
        assertEquals(List.of(), relabeller.calls());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/usr", "/etc", "/home", "/var", "/bin", "/boot", "/root", "/tmp", "/var/lib",
        "/usr/share/doc", "/sys/fs/cgroup", "/home/bob"})
    void systemPathsAreRefused(String path) {
        BerthException e = assertThrows(BerthException.class, () -> on().contribute(request("c1",
                Map.of("volume", List.of(path + ":/x:rw,z")))));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("relabelling the system path " + path + " is refused"), e.getMessage());
        assertEquals(List.of(), relabeller.calls());
    }

    @Test
    void systemPathsMayStillBeMountedWithoutRelabelling() throws Exception {
        Contribution c = on().contribute(request("c1", Map.of("volume", List.of("/etc:/etc:ro", "/:/host:rw"))));
        assertEquals(2, c.fields().size());
        assertEquals(List.of(), relabeller.calls());
    }

    @Test
    void aHostPathWithAColonIsParsedFromTheRight() throws Exception {
        Path odd = Files.createDirectories(dir.resolve("a:b"));
        on().contribute(request("c1", Map.of("volume", List.of(odd + ":/data:rw,Z"))));
        assertEquals(odd.toRealPath(), relabeller.calls().get(0).path());
    }

    @Test
    void aFailedRelabelReleasesThePair() throws Exception {
        SelinuxSettings settings = SelinuxSettings.defaults(Selinuxfs.on(dir, "1")).withCategories(2);
        McsAllocator allocator = new McsAllocator(2, new SplittableRandom(1));
        SelinuxLabeller failing = new SelinuxLabeller(settings, allocator, new RecordingRelabeller().failing());
        BerthException e = assertThrows(BerthException.class, () -> failing.contribute(request("c1",
                Map.of("volume", List.of(dir + ":/d:rw,Z")))));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("Operation not supported"), e.getMessage());
        SelinuxLabeller working = new SelinuxLabeller(settings, allocator, relabeller);
        assertEquals("s0:c0,c1", working.contribute(request("c2", Map.of())).facts().get("level"));
    }

    @Test
    void twoContainersGetDifferentLabels() throws Exception {
        SelinuxLabeller module = on();
        Contribution a = module.contribute(request("a", Map.of()));
        Contribution b = module.contribute(request("b", Map.of()));
        assertNotEquals(a.facts().get("level"), b.facts().get("level"));
        assertNotEquals(a.fields().get(0).value(), b.fields().get(0).value());
    }

    @Test
    void settingsRefuseBadTypesAndCategoryCounts() {
        Path fs = Selinuxfs.off(dir);
        assertThrows(IllegalArgumentException.class, () -> new SelinuxSettings(fs, false, "a:b", "x_t", 1024, "chcon"));
        assertThrows(IllegalArgumentException.class, () -> new SelinuxSettings(fs, false, "x_t", "", 1024, "chcon"));
        assertThrows(IllegalArgumentException.class, () -> new SelinuxSettings(fs, false, "x_t", "y_t", 1, "chcon"));
        assertThrows(IllegalArgumentException.class, () -> new SelinuxSettings(fs, false, "x_t", "y_t", 1025, "chcon"));
    }

    @Test
    void anUnreadableOrOddEnforceFileStillMeansOn() throws Exception {
        Path fs = Files.createDirectories(dir.resolve("odd"));
        Files.writeString(fs.resolve("enforce"), "2");
        SelinuxHost host = SelinuxHost.probe(fs);
        assertTrue(host.on());
        assertTrue(host.mode().startsWith("unknown"), host.mode());
        assertFalse(SelinuxHost.probe(dir.resolve("absent")).on());
        Files.createDirectories(dir.resolve("dirnotfile/enforce"));
        assertFalse(SelinuxHost.probe(dir.resolve("dirnotfile")).on(), "an enforce directory is not selinuxfs");
    }

    @Test
    void checkHoldsNoPairAndRelabelsNothing() throws Exception {
        SelinuxLabeller module = new SelinuxLabeller(SelinuxSettings.defaults(Selinuxfs.on(dir, "1")).withCategories(3),
                relabeller);
        Path data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < 10; i++) {
            module.check(new IsolationRequest("c" + i, "c" + i, Map.of("volume", List.of(data + ":/data:rw,Z")), "{}",
                    Map.of()));
            module.check(new IsolationRequest("l" + i, "l" + i, label("level:s0:c0,c1"), "{}", Map.of()));
        }
        assertEquals(List.of(), relabeller.calls(), "check relabelled a volume");
        Set<String> levels = new HashSet<>();
        for (String id : List.of("x", "y", "z")) {
            levels.add(module.contribute(request(id, Map.of())).facts().get("level"));
        }
        assertEquals(Set.of("s0:c0,c1", "s0:c0,c2", "s0:c1,c2"), levels, "all three pairs were still free");
    }

    @Test
    void checkRefusesHostTroubleAsContributeDoes() {
        SelinuxLabeller required = new SelinuxLabeller(SelinuxSettings.defaults(Selinuxfs.off(dir)).withRequired(true),
                relabeller);
        SelinuxLabeller off = off();
        for (SelinuxLabeller module : List.of(required, off)) {
            for (Map<String, List<String>> options : List.of(label("type:spc_t"), label("level:s0:c1,c2"),
                    Map.of("volume", List.of("/etc:/etc:ro,Z")), label("bogus"))) {
                BerthException contributed = assertThrows(BerthException.class,
                        () -> module.contribute(request("c1", options)));
                BerthException checked = assertThrows(BerthException.class, () -> module.check(
                        new IsolationRequest("c1", "name-c1", options, "{}", Map.of())));
                assertEquals(contributed.kind(), checked.kind());
                assertEquals(contributed.getMessage(), checked.getMessage());
            }
        }
    }
}
