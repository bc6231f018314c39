package dev.berth.launcher.daemon.testbundles;

import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** Test bundle: becomes ready, then reports a fatal condition half a second later from another thread. */
public final class LateFatalActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> ready = new Hashtable<>();
        ready.put("berth.api.ready", "unix:///test/late.sock");
        context.registerService(Object.class, new Object(), ready);
        Thread thread = new Thread(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            Hashtable<String, Object> fatal = new Hashtable<>();
            fatal.put("berth.fatal", "disk full: cannot append to the event log");
            context.registerService(Object.class, new Object(), fatal);
        }, "late-fatal");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop(BundleContext context) {
        // Services are unregistered by the framework.
    }
}
