package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventRecord;
import dev.berth.api.events.NoteAdded;
import dev.berth.api.events.PluginFailed;
import dev.berth.api.events.PluginInstalled;
import dev.berth.api.events.PluginStarted;
import dev.berth.api.events.PluginStopped;
import dev.berth.api.events.PluginSwapped;
import dev.berth.api.events.PluginUninstalled;
import dev.berth.api.events.PluginUpdated;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The plugin projection's newer state: the last failure of each plugin (set by {@code plugin.failed}, cleared
 * by a fresh install, update or start) and the per-stage choices of {@code berth plugin use}, through apply,
 * snapshot and restore. Records are built in memory with the codec, as the log would store them.
 */
class PluginProjectionTest {
    private static final String ID = "dev.berth.plugin.crun";

    private final EventCodec codec = new EventCodec();
    private final PluginProjection plugins = new PluginProjection(codec);
    private long sequence;

    /** The record the log would store for {@code payload}: next sequence, a time derived from it. */
    private EventRecord record(String subject, Record payload) {
        EventDraft draft = codec.draft(subject, payload);
        sequence++;
        return new EventRecord(sequence, 1_000_000_000L * sequence, draft.type(), draft.version(), draft.subject(),
                draft.payload(), ChainHash.GENESIS, ChainHash.GENESIS);
    }

    private EventRecord apply(String subject, Record payload) {
        EventRecord record = record(subject, payload);
        plugins.apply(record);
        return record;
    }

    private PluginProjection.Plugin plugin(String id) {
        return plugins.get(id).orElseThrow(() -> new AssertionError(id + " is not in the projection"));
    }

    private void installAndStart(String id) {
        apply(id, new PluginInstalled("1.0.0", "runtime", "file:/opt/berth/plugins/" + id + ".jar"));
        apply(id, new PluginStarted("1.0.0"));
    }

    @Test
    void failedSetsTheFailureOfAKnownPluginAndKeepsItsState() {
        installAndStart(ID);
        assertNull(plugin(ID).failure(), "a fresh plugin has no failure");

        EventRecord failed = apply(ID, new PluginFailed("1.0.0", "runtime", "create: crun exited 1"));

        PluginProjection.Plugin p = plugin(ID);
        assertEquals("create: crun exited 1", p.failure());
        assertTrue(p.active(), "a stage call failing does not stop the plugin");
        assertEquals("1.0.0", p.version());
        assertEquals("runtime", p.kind());
        assertEquals(failed.sequence(), p.sinceSequence());
        assertEquals(failed.timeNanos(), p.sinceTimeNanos());
    }

    @Test
    void failedWithoutAStageIsRecordedToo() {
        apply(ID, new PluginInstalled("2.0.0", "stage", "file:/p.jar"));

        apply(ID, new PluginFailed("2.0.0", null, "imports package dev.berth.api.stage [9.0.0,10.0.0), which no "
                + "installed bundle exports"));

        assertTrue(plugin(ID).failure().startsWith("imports package dev.berth.api.stage"), plugin(ID).failure());
        assertFalse(plugin(ID).active());
    }

    @Test
    void failedForAnUnknownPluginAddsNothing() {
        installAndStart(ID);

        apply("dev.berth.plugin.ghost", new PluginFailed("1.0.0", "spec", "boom"));

        assertEquals(List.of(ID), plugins.all().stream().map(PluginProjection.Plugin::id).toList());
        assertTrue(plugins.get("dev.berth.plugin.ghost").isEmpty());
        assertNull(plugin(ID).failure(), "a failure of another plugin is not this one's");
    }

    /** What follows a failure, and what the plugin looks like afterwards. */
    static Stream<Arguments> afterAFailure() {
        return Stream.of(
                Arguments.of("StartedClears", new PluginStarted("1.0.0"), null, true, "1.0.0"),
                Arguments.of("UpdatedClears", new PluginUpdated("1.0.0", "1.1.0", "file:/p-1.1.0.jar"), null, true,
                        "1.1.0"),
                Arguments.of("InstalledAgainClears", new PluginInstalled("1.2.0", "runtime", "file:/p-1.2.0.jar"),
                        null, false, "1.2.0"),
                Arguments.of("StoppedKeeps", new PluginStopped("1.0.0"), "create: crun exited 1", false, "1.0.0"),
                Arguments.of("AnotherFailureReplaces", new PluginFailed("1.0.0", "runtime", "start: timed out"),
                        "start: timed out", true, "1.0.0"),
                Arguments.of("SwapKeeps", new PluginSwapped("runtime", "1.0.0", null), "create: crun exited 1", true,
                        "1.0.0"),
                Arguments.of("UnrelatedEventKeeps", new NoteAdded("look at crun"), "create: crun exited 1", true,
                        "1.0.0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("afterAFailure")
    void laterEventsClearOrKeepTheFailure(String name, Record next, String failure, boolean active, String version) {
        installAndStart(ID);
        apply(ID, new PluginFailed("1.0.0", "runtime", "create: crun exited 1"));

        apply(ID, next);

        PluginProjection.Plugin p = plugin(ID);
        assertEquals(failure, p.failure());
        assertEquals(active, p.active());
        assertEquals(version, p.version());
    }

    @Test
    void aFailureOfAnotherPluginDoesNotTouchThisOne() {
        installAndStart(ID);
        installAndStart("dev.berth.plugin.runc");
        apply(ID, new PluginFailed("1.0.0", "runtime", "crun broke"));
        apply("dev.berth.plugin.runc", new PluginStarted("1.0.0"));

        assertEquals("crun broke", plugin(ID).failure());
        assertNull(plugin("dev.berth.plugin.runc").failure());
    }

    @Test
    void swappedRecordsTheChoicePerStageAndTheLaterSwapWins() {
        installAndStart(ID);
        installAndStart("dev.berth.plugin.runc");
        assertEquals(Map.of(), plugins.choices());

        apply("dev.berth.plugin.runc", new PluginSwapped("runtime", "1.0.0", null));
        apply("dev.berth.plugin.expand-zstd", new PluginSwapped("expand", "0.3.0", "dev.berth.plugin.expand"));
        apply(ID, new PluginSwapped("runtime", "1.0.0", "dev.berth.plugin.runc"));

        assertEquals(Map.of("runtime", ID, "expand", "dev.berth.plugin.expand-zstd"), plugins.choices());
    }

    @Test
    void choicesIsACopyAndSurvivesTheChosenPluginLeaving() {
        installAndStart(ID);
        apply(ID, new PluginSwapped("runtime", "1.0.0", null));

        plugins.choices().clear();
        apply(ID, new PluginUninstalled("1.0.0"));

        assertEquals(Map.of("runtime", ID), plugins.choices(), "a choice stands while its plugin is absent");
        assertTrue(plugins.get(ID).isEmpty());
    }

    @Test
    void snapshotThenRestoreIntoAFreshProjectionGivesTheSameState() {
        installAndStart(ID);
        installAndStart("dev.berth.plugin.runc");
        apply("dev.berth.plugin.spec", new PluginInstalled("0.9.0", "stage", "file:/spec.jar"));
        apply(ID, new PluginFailed("1.0.0", "runtime", "quote \" backslash \\ newline \n and ünïcödé"));
        apply("dev.berth.plugin.runc", new PluginStopped("1.0.0"));
        apply(ID, new PluginSwapped("runtime", "1.0.0", "dev.berth.plugin.runc"));
        apply("dev.berth.plugin.spec", new PluginSwapped("spec", "0.9.0", null));

        JsonNode snapshot = plugins.snapshot();
        PluginProjection restored = new PluginProjection(codec);
        restored.restore(snapshot);

        assertEquals(plugins.all(), restored.all());
        assertEquals(plugins.choices(), restored.choices());
        assertEquals("quote \" backslash \\ newline \n and ünïcödé", restored.get(ID).orElseThrow().failure());
        assertEquals(snapshot, restored.snapshot(), "a restored projection snapshots the same");
    }

    @Test
    void restoreReplacesWhatWasThere() {
        installAndStart(ID);
        apply(ID, new PluginSwapped("runtime", "1.0.0", null));
        JsonNode empty = new PluginProjection(codec).snapshot();

        plugins.restore(empty);

        assertEquals(List.of(), plugins.all());
        assertEquals(Map.of(), plugins.choices());
    }

    @Test
    void restoreOfAnOlderSnapshotWithoutChoicesOrFailuresWorks() throws Exception {
        installAndStart("dev.berth.stale");
        apply("dev.berth.stale", new PluginSwapped("spec", "1.0.0", null));
        JsonNode older = codec.mapper().readTree("""
                {"plugins":[
                  {"id":"dev.berth.plugin.crun","version":"1.0.0","kind":"runtime","location":"file:/c.jar",
                   "active":true,"sinceSequence":12,"sinceTimeNanos":1795914123123456789},
                  {"id":"dev.berth.plugin.spec","version":"0.9.0","kind":"stage","location":"file:/s.jar",
                   "active":false,"sinceSequence":3,"sinceTimeNanos":1}]}""");

        plugins.restore(older);

        assertEquals(List.of(
                new PluginProjection.Plugin("dev.berth.plugin.crun", "1.0.0", "runtime", "file:/c.jar", true, 12,
                        1795914123123456789L, null),
                new PluginProjection.Plugin("dev.berth.plugin.spec", "0.9.0", "stage", "file:/s.jar", false, 3, 1,
                        null)), plugins.all());
        assertEquals(Map.of(), plugins.choices(), "no choices in the old snapshot, and the stale one is gone");

        // Events after the restored checkpoint apply on top as usual.
        apply("dev.berth.plugin.crun", new PluginFailed("1.0.0", "runtime", "boom"));
        apply("dev.berth.plugin.crun", new PluginSwapped("runtime", "1.0.0", null));
        assertEquals("boom", plugin("dev.berth.plugin.crun").failure());
        assertEquals(Map.of("runtime", "dev.berth.plugin.crun"), plugins.choices());
    }

    @Test
    void clearForgetsPluginsAndChoices() {
        installAndStart(ID);
        apply(ID, new PluginFailed("1.0.0", "runtime", "boom"));
        apply(ID, new PluginSwapped("runtime", "1.0.0", null));

        plugins.clear();

        assertEquals(List.of(), plugins.all());
        assertEquals(Map.of(), plugins.choices());
    }

    @Test
    void replayingTheSameRecordsGivesTheSameSnapshot() {
        List<EventRecord> history = List.of(
                record(ID, new PluginInstalled("1.0.0", "runtime", "file:/c.jar")),
                record(ID, new PluginStarted("1.0.0")),
                record(ID, new PluginFailed("1.0.0", "runtime", "boom")),
                record(ID, new PluginSwapped("runtime", "1.0.0", null)),
                record(ID, new PluginStopped("1.0.0")));
        PluginProjection first = new PluginProjection(codec);
        PluginProjection second = new PluginProjection(codec);
        history.forEach(first::apply);
        history.forEach(second::apply);

        assertEquals(first.snapshot(), second.snapshot());
        assertEquals("boom", first.get(ID).orElseThrow().failure());
        assertFalse(first.get(ID).orElseThrow().active());
    }

    @Test
    void disabledLastsThroughStopsStartsAndUpdatesUntilEnabled() {
        installAndStart(ID);
        apply(ID, new dev.berth.api.events.PluginDisabled("1.0.0"));
        apply(ID, new dev.berth.api.events.PluginStopped("1.0.0"));
        assertTrue(plugin(ID).disabled());
        apply(ID, new dev.berth.api.events.PluginStarted("1.0.0")); // the launcher at a daemon start
        apply(ID, new dev.berth.api.events.PluginUpdated("1.0.0", "1.1.0", "file:/x.jar"));
        assertTrue(plugin(ID).disabled(), "only plugin.enabled ends it");
        PluginProjection restored = new PluginProjection(codec);
        restored.restore(plugins.snapshot());
        assertTrue(restored.get(ID).orElseThrow().disabled(), "kept in checkpoints");
        apply(ID, new dev.berth.api.events.PluginEnabled("1.1.0"));
        assertFalse(plugin(ID).disabled());
    }
}
