package dev.berth.launcher.daemon.testbundles;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/** Test bundle: starts, then stops itself from another thread, leaving the bundle RESOLVED. */
public final class SelfStoppingActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        Thread thread = new Thread(() -> {
            try {
                Thread.sleep(100);
                context.getBundle().stop();
            } catch (InterruptedException | BundleException | IllegalStateException e) {
                // The test then sees the bundle still active and fails on its message.
            }
        }, "self-stop");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop(BundleContext context) {
        // Nothing to release.
    }
}
