package dev.berth.plugin.runc.impl;

import dev.berth.plugin.runtime.oci.OciRuntime;
import dev.berth.plugin.runtime.oci.RuntimeComponentSmoke;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/** The runc component as its bundle builds it, through the shared runtime smoke test. */
class RuncRuntimeTest extends RuntimeComponentSmoke {
    @Override
    protected String runtimeName() {
        return "runc";
    }

    @Override
    protected OciRuntime component(Path stateRoot, Vertx vertx, String binary) throws Exception {
        return new RuncRuntime(stateRoot, vertx, binary);
    }
}
