package dev.berth.api.isolation;

import dev.berth.api.BerthException;
import java.util.Set;

/**
 * One isolation mechanism (namespaces, cgroups, capabilities, an SELinux labeller, a seccomp filter):
 * given a container's run request and the spec built so far, it says which OCI runtime spec fields it
 * sets and why. It does not write the spec itself: the spec stage applies every module's fields in
 * order, refuses two modules setting the same field differently, and records who set what in the
 * {@code spec.generated} event.
 *
 * <p>Registered as an OSGi service with {@code berth.plugin.id} (the module id, e.g. {@code cgroups}),
 * {@link #ORDER} (an integer; lower runs first, ties by id) and optionally {@link #DEFAULT_ON}
 * ({@code false} for a module that runs only when asked for with {@code --isolation-module ID}).
 * Implementations are thread-safe: contributions for different containers may be asked for at once.
 */
public interface IsolationModule {
    /** Service property: the module's place in the order, an integer; lower runs first. */
    String ORDER = "berth.isolation.order";
    /** Service property: whether the module runs for containers that do not name it (default true). */
    String DEFAULT_ON = "berth.isolation.default";
    /** The order of a module that gives none, or one that is not a number: after the built-in modules. */
    int UNORDERED = 1000;

    /** A module's place from its {@link #ORDER} property: an Integer or a numeric String, else {@link #UNORDERED}. */
    static int order(Object property) {
        if (property instanceof Number number) {
            return number.intValue();
        }
        try {
            return property == null ? UNORDERED : Integer.parseInt(property.toString().trim());
        } catch (NumberFormatException e) {
            return UNORDERED;
        }
    }

    /** Whether a module is on by default from its {@link #DEFAULT_ON} property: anything but false is. */
    static boolean defaultOn(Object property) {
        return !"false".equalsIgnoreCase(String.valueOf(property));
    }

    /**
     * The run options this module reads, by their long flag names ({@code memory}, {@code cap-add}), and
     * the {@code --security-opt} keys it understands as {@code security-opt=KEY} ({@code security-opt=label}).
     * An option no active module reads is refused before anything is created.
     */
    Set<String> options();

    /**
     * This module's part of the container's spec. Throws {@link BerthException} with
     * {@link dev.berth.api.ErrorKind#INVALID} naming the option and value when the request is wrong (an
     * unknown capability, a swap limit below the memory limit) and with another kind when the host cannot
     * do what is asked. Must not change anything outside the container's own files (its rootfs and mount
     * folder) before it returns, except what the user asked the module to prepare for this container: the
     * SELinux module relabels a volume given with {@code :z} or {@code :Z}, as Podman does, and that stays
     * relabelled if the container's creation fails later.
     */
    Contribution contribute(IsolationRequest request) throws BerthException;

    /**
     * Checks the request's options as {@link #contribute} would refuse them, with no side effect at all:
     * nothing allocated, no file read that belongs to the container, no file changed. The engine calls it
     * for every module that will run, before it mounts or writes anything, so bad input is refused before
     * anything is created. The request's {@code spec} is {@code {}} here (nothing is built yet). The default
     * checks nothing: such a module's errors come from {@link #contribute}, after the root filesystem was
     * mounted (and is removed again).
     */
    default void check(IsolationRequest request) throws BerthException {
    }
}
