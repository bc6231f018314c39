package dev.berth.plugin.selinux.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A relabeller that records its calls instead of running chcon, and can be told to fail. Thread-safe. */
final class RecordingRelabeller implements Relabeller {
    /** One relabel call. */
    record Call(Path path, String label) {
    }

    private final List<Call> calls = new ArrayList<>();
    private volatile boolean failing;

    @Override
    public synchronized void relabel(Path path, String label) throws BerthException {
        calls.add(new Call(path, label));
        if (failing) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "relabel " + path + ": chcon: Operation not supported");
        }
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    RecordingRelabeller failing() {
        failing = true;
        return this;
    }
}
