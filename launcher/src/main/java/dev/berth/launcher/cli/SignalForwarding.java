package dev.berth.launcher.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

/**
 * Catches POSIX signals sent to the CLI (SIGINT from Ctrl-C, SIGTERM, SIGWINCH) for the length of an
 * attached session and puts the previous handlers back on {@link #close()}. It uses the JDK's
 * {@code sun.misc.Signal} (module jdk.unsupported) through reflection, so the build needs no internal
 * API and a JVM without it simply forwards nothing. Handlers run on the JVM's signal thread and must not
 * block. Thread-safe.
 */
final class SignalForwarding implements Caller.Signals {
    private final List<Object[]> previous = new ArrayList<>();

    /**
     * Calls {@code action} whenever signal {@code name} ({@code INT}, {@code TERM}, {@code WINCH})
     * arrives, until closed; returns false when this JVM cannot catch it.
     */
    @Override
    public synchronized boolean on(String name, Runnable action) {
        try {
            Class<?> signalType = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object signal = signalType.getConstructor(String.class).newInstance(name);
            InvocationHandler calls = (proxy, method, args) -> invoke(proxy, method, args, action);
            Object handler = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType}, calls);
            Method handle = signalType.getMethod("handle", signalType, handlerType);
            Object old = handle.invoke(null, signal, handler);
            previous.add(new Object[] {handle, signal, old});
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;   // no sun.misc.Signal, or the JVM reserves this signal
        }
    }

    private static Object invoke(Object proxy, Method method, Object[] args, Runnable action) {
        return switch (method.getName()) {
            case "handle" -> {
                action.run();
                yield null;
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> "berth signal forwarding";
        };
    }

    /** Puts back the handlers that were in place before. */
    @Override
    public synchronized void close() {
        for (int i = previous.size() - 1; i >= 0; i--) {
            Object[] entry = previous.get(i);
            try {
                ((Method) entry[0]).invoke(null, entry[1], entry[2]);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // the JVM is going away with this session anyway
            }
        }
        previous.clear();
    }
}
