package dev.berth.launcher.daemon.testbundles;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** Test bundle: its activator fails. */
public final class ThrowingActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException("cannot open the event log");
    }

    @Override
    public void stop(BundleContext context) {
        // Never started.
    }
}
