package dev.berth.launcher.daemon.testbundles;

import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** Test bundle: registers the API server's readiness marker, as dev.berth.apiserver does once it listens. */
public final class ReadyActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("berth.api.ready", "unix:///test/berth.sock");
        context.registerService(Object.class, new Object(), properties);
    }

    @Override
    public void stop(BundleContext context) {
        // Services are unregistered by the framework.
    }
}
