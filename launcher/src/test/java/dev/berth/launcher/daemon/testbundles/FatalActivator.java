package dev.berth.launcher.daemon.testbundles;

import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** Test bundle: reports a fatal condition at start, as the event log does when its chain is broken. */
public final class FatalActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("berth.fatal", "event log corrupted at #12");
        context.registerService(Object.class, new Object(), properties);
    }

    @Override
    public void stop(BundleContext context) {
        // Services are unregistered by the framework.
    }
}
