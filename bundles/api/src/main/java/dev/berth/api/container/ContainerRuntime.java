package dev.berth.api.container;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The run stage: one OCI runtime (runc, crun, ...) driven through its command line with its own
 * {@code --root} under the engine's state root. Several can be active at once, told apart by the
 * {@code berth.runtime} service property; each container stays with the runtime it was created with.
 *
 * <p>A container is created under a monitor process that holds its standard streams, writes its log and
 * its exit file, and outlives the engine. When a container or exec process ends, the implementation
 * publishes {@code {"runtime","id","execId","exitCode","signal","oomKilled","finishedAt","reason"}} on the bus at
 * {@link dev.berth.api.bus.BusAddresses#RUNTIME_EXITED} ({@code execId} null for the container itself).
 * An attach socket speaks the framing described in {@link AttachFrames}. Thread-safe.
 */
@ConsumerType
public interface ContainerRuntime {
    /** The {@code berth.stage} service property value of runtime implementations. */
    String STAGE = "run";
    /** The service property naming the runtime ({@code runc}). */
    String NAME_PROPERTY = "berth.runtime";

    /** The runtime's name, equal to its {@link #NAME_PROPERTY}. */
    String name();

    /** What this runtime found on the host; cheap (probed once). */
    RuntimeInfo info();

    /**
     * Creates the container (not yet started) and returns its init pid, or 0 when the implementation
     * leaves the runtime's own create to {@link #startProcess} (its monitor then waits, attach socket open,
     * and runs the runtime's create and start as one {@code run --detach}). Refuses with
     * {@link dev.berth.api.ErrorKind#UNAVAILABLE} and {@link RuntimeInfo#reason()} when not usable here.
     */
    int create(CreateRequest request) throws BerthException;

    /** The attach socket of a created container: a Unix stream socket path. */
    String attachSocket(String id);

    /** Starts a created container's process. */
    void start(String id) throws BerthException;

    /**
     * Starts a created container's process, as {@link #start} does, and returns its init pid, or 0 when
     * the pid {@link #create} returned stands (what this default does).
     */
    default int startProcess(String id) throws BerthException {
        start(id);
        return 0;
    }

    /** The runtime's view of the container; {@link RuntimeState#absent} if unknown to it. */
    RuntimeState state(String id) throws BerthException;

    /** Sends {@code signal} to the container's init process. */
    void kill(String id, int signal) throws BerthException;

    /**
     * How the container's process ended, read from the monitor's exit file and the cgroup's OOM counters
     * (read before {@link #delete}); null while it runs or when no exit was recorded.
     */
    ExitStatus exitStatus(String id) throws BerthException;

    /** Deletes the container from the runtime (and its cgroup); {@code force} kills it first. Idempotent. */
    void delete(String id, boolean force) throws BerthException;

    /** Starts a process in a running container; returns the path of its attach socket. */
    String exec(ExecRequest request) throws BerthException;

    /** The ids of every container this runtime holds, for re-adoption at engine start. */
    List<String> list() throws BerthException;

    /** Freezes every process of the container (the cgroup freezer); runtimes without it answer UNAVAILABLE. */
    default void pause(String id) throws BerthException {
        throw new BerthException(ErrorKind.UNAVAILABLE, "pause " + id + ": the " + name() + " runtime cannot pause");
    }

    /** Thaws a container {@link #pause paused} before. */
    default void resume(String id) throws BerthException {
        throw new BerthException(ErrorKind.UNAVAILABLE, "unpause " + id + ": the " + name() + " runtime cannot pause");
    }
}
