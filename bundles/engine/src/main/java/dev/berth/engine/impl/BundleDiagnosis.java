package dev.berth.engine.impl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * Says in words why a plugin bundle cannot work: the requirements nothing in the framework satisfies
 * ("imports package dev.berth.api.stage [9.0.0,10.0.0), but this engine has it only at 1.2.0"), and the
 * components that failed to activate, with the exception the component threw. Stateless.
 */
final class BundleDiagnosis {
    private static final Pattern PACKAGE = Pattern.compile("\\(osgi\\.wiring\\.package=([^)]+)\\)");
    private static final Pattern FLOOR = Pattern.compile("\\(version>=([^)]+)\\)");
    private static final Pattern CEILING = Pattern.compile("\\(!\\(version>=([^)]+)\\)\\)");
    private static final Pattern FLOOR_EXCLUSIVE = Pattern.compile("\\(!\\(version<=([^)]+)\\)\\)");
    private static final Pattern CEILING_INCLUSIVE = Pattern.compile("\\(version<=([^)]+)\\)");

    private BundleDiagnosis() {
    }

    /**
     * The mandatory requirements of {@code bundle} that no other bundle in the framework (nor the
     * framework itself) offers, each in words; empty when everything it needs is there.
     */
    static List<String> missingRequirements(Bundle bundle, BundleContext context) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        if (revision == null) {
            return List.of();
        }
        List<String> missing = new ArrayList<>();
        for (BundleRequirement requirement : revision.getDeclaredRequirements(null)) {
            if ("optional".equals(requirement.getDirectives().get(Constants.RESOLUTION_DIRECTIVE))
                    || requirement.getNamespace().startsWith("osgi.extender")
                    || requirement.getNamespace().equals("osgi.service")) {
                continue; // optional, or not checked by the resolver
            }
            String filterText = requirement.getDirectives().get(Constants.FILTER_DIRECTIVE);
            if (filterText == null) {
                continue;
            }
            Filter filter;
            try {
                filter = FrameworkUtil.createFilter(filterText);
            } catch (InvalidSyntaxException e) {
                missing.add("a requirement the framework cannot read: " + filterText);
                continue;
            }
            TreeSet<String> sameNameVersions = new TreeSet<>();
            if (!satisfied(requirement, filter, bundle, context, sameNameVersions)) {
                missing.add(describe(requirement.getNamespace(), filterText, sameNameVersions));
            }
        }
        return missing;
    }

    private static boolean satisfied(BundleRequirement requirement, Filter filter, Bundle bundle,
            BundleContext context, TreeSet<String> sameNameVersions) {
        Matcher name = PACKAGE.matcher(requirement.getDirectives().get(Constants.FILTER_DIRECTIVE));
        String packageName = name.find() ? name.group(1) : null;
        for (Bundle other : context.getBundles()) {
            if (other.getState() == Bundle.UNINSTALLED || other.getLocation().startsWith(PluginTracker.INSPECTION_PREFIX)
                    || other.getBundleId() == bundle.getBundleId()) {
                continue;
            }
            BundleRevision offered = other.adapt(BundleRevision.class);
            if (offered == null) {
                continue;
            }
            for (BundleCapability capability : offered.getDeclaredCapabilities(requirement.getNamespace())) {
                Map<String, Object> attributes = capability.getAttributes();
                if (filter.matches(attributes)) {
                    return true;
                }
                if (packageName != null && packageName.equals(attributes.get(PackageNamespace.PACKAGE_NAMESPACE))) {
                    sameNameVersions.add(String.valueOf(attributes.get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE)));
                }
            }
        }
        return false;
    }

    /** A requirement in words, from its namespace and filter. */
    static String describe(String namespace, String filter, java.util.Set<String> offeredVersions) {
        if (namespace.equals(PackageNamespace.PACKAGE_NAMESPACE)) {
            Matcher name = PACKAGE.matcher(filter);
            String pkg = name.find() ? name.group(1) : filter;
            String range = range(filter);
            String wanted = "imports package " + pkg + (range.isEmpty() ? "" : " " + range);
            if (offeredVersions.isEmpty()) {
                return wanted + ", which no installed bundle exports";
            }
            return wanted + ", but this engine has it only at " + String.join(", ", offeredVersions)
                    + (pkg.equals("dev.berth.api") || pkg.startsWith("dev.berth.api.") ? " (the plugin was built against another major version "
                            + "of Berth's SPI)" : "");
        }
        if (namespace.equals("osgi.ee")) {
            return "needs an execution environment this Java does not offer: " + filter;
        }
        if (namespace.equals("osgi.wiring.bundle")) {
            return "requires bundle " + filter.replaceAll(".*osgi\\.wiring\\.bundle=([^)]+)\\).*", "$1")
                    + ", which is not installed";
        }
        return "needs " + namespace + " " + filter + ", which nothing offers";
    }

    /** The version range of a package filter in interval notation, or empty when it has none. */
    static String range(String filter) {
        Matcher floor = FLOOR.matcher(filter.replaceAll("\\(!\\(version>=[^)]+\\)\\)", ""));
        Matcher floorExclusive = FLOOR_EXCLUSIVE.matcher(filter);
        Matcher ceiling = CEILING.matcher(filter);
        Matcher ceilingInclusive = CEILING_INCLUSIVE.matcher(filter.replaceAll("\\(!\\(version<=[^)]+\\)\\)", ""));
        String low = floor.find() ? "[" + floor.group(1) : floorExclusive.find() ? "(" + floorExclusive.group(1) : null;
        String high = ceiling.find() ? ceiling.group(1) + ")" : ceilingInclusive.find() ? ceilingInclusive.group(1) + "]"
                : null;
        if (low == null && high == null) {
            return "";
        }
        if (high == null) {
            return "version " + low.substring(1) + " or later";
        }
        return (low == null ? "[0.0.0" : low) + "," + high;
    }

    /** The components of {@code bundle} that failed to activate, each with the reason SCR gives. */
    static List<String> failedComponents(Bundle bundle, ServiceComponentRuntime scr) {
        List<String> failed = new ArrayList<>();
        if (scr == null || bundle.getState() != Bundle.ACTIVE) {
            return failed;
        }
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs(bundle)) {
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                if (configuration.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    failed.add("component " + description.name + " failed to activate: "
                            + firstLine(configuration.failure));
                }
            }
        }
        return failed;
    }

    /**
     * True when every component of {@code bundle} is past activation: immediate ones active or failed,
     * delayed ones registered (satisfied), and none still waiting to be enabled. SCR works on components
     * on threads of its own, so a bundle can be ACTIVE before its components are.
     */
    static boolean componentsSettled(Bundle bundle, ServiceComponentRuntime scr) {
        if (scr == null) {
            return true;
        }
        List<ComponentDescriptionDTO> descriptions = new ArrayList<>(scr.getComponentDescriptionDTOs(bundle));
        if (descriptions.isEmpty() && bundle.getHeaders("").get("Service-Component") != null) {
            return false; // SCR has not read the bundle's components yet
        }
        for (ComponentDescriptionDTO description : descriptions) {
            if (!settled(description, scr.getComponentConfigurationDTOs(description))) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when the component {@code description}, with {@code configurations} as SCR reports them now, is
     * past activation. Felix SCR creates a configuration in a state of its own, outside the specification's
     * five (its DTO says -1), and enables it a moment later on another thread; one seen then has not even
     * begun, though it is neither unsatisfied nor failed. (Counting that moment as settled is the one way
     * found for a CI run to have taken a plugin whose component always fails to activate for a working one.)
     */
    static boolean settled(ComponentDescriptionDTO description, Collection<ComponentConfigurationDTO> configurations) {
        if (description.defaultEnabled && configurations.isEmpty() && !description.configurationPolicy.equals("require")) {
            return false;
        }
        for (ComponentConfigurationDTO configuration : configurations) {
            switch (configuration.state) {
                case ComponentConfigurationDTO.ACTIVE, ComponentConfigurationDTO.FAILED_ACTIVATION -> {
                }
                case ComponentConfigurationDTO.SATISFIED -> {
                    if (description.immediate) {
                        return false; // about to be activated
                    }
                }
                case ComponentConfigurationDTO.UNSATISFIED_REFERENCE, ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> {
                    return false; // its references are being bound, or it waits for something missing
                }
                default -> {
                    if (description.defaultEnabled) {
                        return false; // created, not yet enabled
                    }
                }
            }
        }
        return true;
    }

    /** The components of {@code bundle} waiting for a service or a configuration, each with what it waits for. */
    static List<String> unsatisfiedComponents(Bundle bundle, ServiceComponentRuntime scr) {
        List<String> waiting = new ArrayList<>();
        if (scr == null) {
            return waiting;
        }
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs(bundle)) {
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                if (configuration.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
                    List<String> wanted = new ArrayList<>();
                    for (var reference : configuration.unsatisfiedReferences) {
                        String name = reference.name;
                        for (var declared : description.references) {
                            if (declared.name.equals(reference.name)) {
                                name = declared.interfaceName + (reference.target == null ? "" : " " + reference.target);
                            }
                        }
                        wanted.add(name);
                    }
                    waiting.add("component " + description.name + " waits for a service nothing provides: "
                            + String.join(", ", wanted));
                } else if (configuration.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION) {
                    waiting.add("component " + description.name + " waits for its configuration (" + description.configurationPid.length
                            + " PID(s): " + String.join(", ", description.configurationPid) + ")");
                }
            }
        }
        return waiting;
    }

    /** The root cause line of a failure text (a stack trace): its last "Caused by:", else its first line. */
    private static String firstLine(String text) {
        if (text == null || text.isBlank()) {
            return "no reason given";
        }
        List<String> lines = text.strip().lines().toList();
        String line = lines.get(0);
        for (String candidate : lines) {
            if (candidate.startsWith("Caused by: ")) {
                line = candidate.substring("Caused by: ".length());
            }
        }
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }
}
