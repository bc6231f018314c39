package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The words {@link BundleDiagnosis} finds for an unsatisfied requirement, from the filters as Felix writes them
 * for Import-Package (floor {@code (version>=X)} or {@code (!(version<=X))}, ceiling {@code (!(version>=Y))} or
 * {@code (version<=Y)}), Require-Bundle and Require-Capability; and when it counts a component as past
 * activation, from the states SCR reports.
 */
class BundleDiagnosisTest {
    private static final String PKG = "(osgi.wiring.package=dev.berth.api.stage)";

    static Stream<Arguments> ranges() {
        return Stream.of(
                Arguments.of("FloorAndExclusiveCeiling", "(&" + PKG + "(version>=9.0.0)(!(version>=10.0.0)))",
                        "[9.0.0,10.0.0)"),
                Arguments.of("CeilingWrittenBeforeFloor", "(&" + PKG + "(!(version>=2.0.0))(version>=1.5.0))",
                        "[1.5.0,2.0.0)"),
                Arguments.of("FloorOnly", "(&" + PKG + "(version>=1.2.0))", "version 1.2.0 or later"),
                Arguments.of("FloorOnlyWithoutAnd", "(version>=0.1.0)", "version 0.1.0 or later"),
                Arguments.of("NoVersion", PKG, ""),
                Arguments.of("NoVersionButOtherAttributes", "(&" + PKG + "(bundle-symbolic-name=dev.berth.api))", ""),
                Arguments.of("ExclusiveFloorExclusiveCeiling", "(&" + PKG + "(!(version<=1.0.0))(!(version>=2.0.0)))",
                        "(1.0.0,2.0.0)"),
                Arguments.of("InclusiveFloorInclusiveCeiling", "(&" + PKG + "(version>=1.0.0)(version<=2.0.0))",
                        "[1.0.0,2.0.0]"),
                Arguments.of("ExclusiveFloorInclusiveCeiling", "(&" + PKG + "(!(version<=1.0.0))(version<=2.0.0))",
                        "(1.0.0,2.0.0]"),
                Arguments.of("ExactVersion", "(&" + PKG + "(version>=1.0.0)(version<=1.0.0))", "[1.0.0,1.0.0]"),
                Arguments.of("ExclusiveCeilingOnly", "(&" + PKG + "(!(version>=3.0.0)))", "[0.0.0,3.0.0)"),
                Arguments.of("InclusiveCeilingOnly", "(&" + PKG + "(version<=3.0.0))", "[0.0.0,3.0.0]"),
                Arguments.of("QualifiedVersions",
                        "(&" + PKG + "(version>=1.0.0.SNAPSHOT)(!(version>=1.0.0.v20261129)))",
                        "[1.0.0.SNAPSHOT,1.0.0.v20261129)"),
                Arguments.of("TrailingAttributes", "(&" + PKG + "(version>=1.0.0)(!(version>=2.0.0))(x-vendor=acme))",
                        "[1.0.0,2.0.0)"),
                Arguments.of("BundleVersionIsNotThePackageVersion",
                        "(&" + PKG + "(bundle-version>=5.0.0))", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ranges")
    void rangeOfAFilterInIntervalNotation(String name, String filter, String expected) {
        assertEquals(expected, BundleDiagnosis.range(filter));
    }

    static Stream<Arguments> descriptions() {
        return Stream.of(
                Arguments.of("PackageNobodyExports", "osgi.wiring.package",
                        "(&(osgi.wiring.package=org.example.json)(version>=2.1.0)(!(version>=3.0.0)))", Set.of(),
                        "imports package org.example.json [2.1.0,3.0.0), which no installed bundle exports"),
                Arguments.of("PackageWithoutVersionNobodyExports", "osgi.wiring.package",
                        "(osgi.wiring.package=org.example.json)", Set.of(),
                        "imports package org.example.json, which no installed bundle exports"),
                Arguments.of("BerthSpiAtAnotherMajor", "osgi.wiring.package",
                        "(&(osgi.wiring.package=dev.berth.api.stage)(version>=9.0.0)(!(version>=10.0.0)))",
                        Set.of("1.2.0"),
                        "imports package dev.berth.api.stage [9.0.0,10.0.0), but this engine has it only at 1.2.0 "
                                + "(the plugin was built against another major version of Berth's SPI)"),
                Arguments.of("BerthRootApiPackageAtAnotherMajor", "osgi.wiring.package",
                        "(&(osgi.wiring.package=dev.berth.api)(version>=2.0.0))", Set.of("1.0.0"),
                        "imports package dev.berth.api version 2.0.0 or later, but this engine has it only at 1.0.0 "
                                + "(the plugin was built against another major version of Berth's SPI)"),
                Arguments.of("OtherPackageAtOtherVersionsListsThemInOrder", "osgi.wiring.package",
                        "(&(osgi.wiring.package=io.vertx.core)(version>=5.0.0)(!(version>=6.0.0)))",
                        new TreeSet<>(Set.of("4.5.1", "4.4.0")),
                        "imports package io.vertx.core [5.0.0,6.0.0), but this engine has it only at 4.4.0, 4.5.1"),
                Arguments.of("ExecutionEnvironment", "osgi.ee", "(&(osgi.ee=JavaSE)(version=21))", Set.of(),
                        "needs an execution environment this Java does not offer: (&(osgi.ee=JavaSE)(version=21))"),
                Arguments.of("RequireBundleWithVersion", "osgi.wiring.bundle",
                        "(&(osgi.wiring.bundle=org.example.lib)(bundle-version>=1.0.0)(!(bundle-version>=2.0.0)))",
                        Set.of(), "requires bundle org.example.lib, which is not installed"),
                Arguments.of("RequireBundleWithoutVersion", "osgi.wiring.bundle", "(osgi.wiring.bundle=org.example.lib)",
                        Set.of(), "requires bundle org.example.lib, which is not installed"),
                Arguments.of("AnyOtherNamespace", "osgi.contract",
                        "(&(osgi.contract=JavaServlet)(version=4.0))", Set.of(),
                        "needs osgi.contract (&(osgi.contract=JavaServlet)(version=4.0)), which nothing offers"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("descriptions")
    void describeSaysWhatIsMissingInWords(String name, String namespace, String filter, Set<String> offered,
            String expected) {
        assertEquals(expected, BundleDiagnosis.describe(namespace, filter, offered));
    }

    @Test
    void onlyBerthPackagesMentionTheSpiMajorVersion() {
        String foreign = BundleDiagnosis.describe("osgi.wiring.package",
                "(&(osgi.wiring.package=com.fasterxml.jackson.databind)(version>=3.0.0))", Set.of("2.17.0"));
        String berth = BundleDiagnosis.describe("osgi.wiring.package",
                "(&(osgi.wiring.package=dev.berth.api.events)(version>=3.0.0))", Set.of("2.17.0"));

        String lookalike = BundleDiagnosis.describe("osgi.wiring.package",
                "(&(osgi.wiring.package=dev.berth.apiserver.impl)(version>=3.0.0))", Set.of("2.17.0"));

        assertFalse(foreign.contains("SPI"), foreign);
        assertFalse(lookalike.contains("SPI"), "dev.berth.apiserver is not Berth's SPI: " + lookalike);
        assertTrue(berth.contains("another major version of Berth's SPI"), berth);
        assertTrue(berth.contains("2.17.0"), berth);
    }

    /** A component as SCR describes it: immediate or delayed, enabled by default or not, its policy. */
    private static ComponentDescriptionDTO component(boolean immediate, boolean defaultEnabled, String policy) {
        ComponentDescriptionDTO description = new ComponentDescriptionDTO();
        description.name = "test.component";
        description.immediate = immediate;
        description.defaultEnabled = defaultEnabled;
        description.configurationPolicy = policy;
        return description;
    }

    private static List<ComponentConfigurationDTO> states(int... states) {
        return java.util.Arrays.stream(states).mapToObj(state -> {
            ComponentConfigurationDTO configuration = new ComponentConfigurationDTO();
            configuration.state = state;
            return configuration;
        }).toList();
    }

    /** Felix SCR's DTO state for a configuration it has created but not yet enabled. */
    private static final int FELIX_NOT_ENABLED = -1;

    static Stream<Arguments> settling() {
        int active = ComponentConfigurationDTO.ACTIVE;
        int satisfied = ComponentConfigurationDTO.SATISFIED;
        int failed = ComponentConfigurationDTO.FAILED_ACTIVATION;
        return Stream.of(
                Arguments.of("ImmediateActive", component(true, true, "optional"), states(active), true),
                Arguments.of("ImmediateFailed", component(true, true, "optional"), states(failed), true),
                Arguments.of("ImmediateAboutToActivate", component(true, true, "optional"), states(satisfied), false),
                Arguments.of("DelayedRegistered", component(false, true, "optional"), states(satisfied), true),
                Arguments.of("WaitingForAReference", component(true, true, "optional"),
                        states(ComponentConfigurationDTO.UNSATISFIED_REFERENCE), false),
                Arguments.of("WaitingForItsConfiguration", component(true, true, "require"),
                        states(ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION), false),
                Arguments.of("CreatedNotYetEnabled", component(true, true, "optional"), states(FELIX_NOT_ENABLED), false),
                Arguments.of("OneOfTwoNotYetEnabled", component(true, true, "optional"),
                        states(active, FELIX_NOT_ENABLED), false),
                Arguments.of("DisabledByDesign", component(true, false, "optional"), states(FELIX_NOT_ENABLED), true),
                Arguments.of("NoConfigurationYet", component(true, true, "optional"), states(), false),
                Arguments.of("NoConfigurationRequiredNoneGiven", component(true, true, "require"), states(), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settling")
    void aComponentIsSettledOnlyPastActivation(String name, ComponentDescriptionDTO description,
            List<ComponentConfigurationDTO> configurations, boolean expected) {
        assertEquals(expected, BundleDiagnosis.settled(description, configurations), name);
    }
}
