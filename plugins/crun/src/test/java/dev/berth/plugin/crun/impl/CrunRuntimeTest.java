package dev.berth.plugin.crun.impl;

import dev.berth.plugin.runtime.oci.OciRuntime;
import dev.berth.plugin.runtime.oci.RuntimeComponentSmoke;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/** The crun component as its bundle builds it, through the shared runtime smoke test. */
class CrunRuntimeTest extends RuntimeComponentSmoke {
    @Override
    protected String runtimeName() {
        return "crun";
    }

    @Override
    protected OciRuntime component(Path stateRoot, Vertx vertx, String binary) throws Exception {
        return new CrunRuntime(stateRoot, vertx, binary);
    }
}
