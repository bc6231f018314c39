package dev.berth.api.event;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link EventDraft} of an event payload record by the name and version declared in its
 * {@link EventType}, rendering the record's components as a JSON object. JDK only, so any bundle can
 * append typed events without a JSON library. Supports strings, numbers, booleans, null, nested records,
 * collections and string-keyed maps. Thread-safe; what it keeps is each record class's components, read once
 * (a {@link ClassValue}, so a plugin's classes are not held once its bundle is gone).
 */
public final class EventDrafts {
    /** A record class's components in declaration order: {@link Class#getRecordComponents} copies them each call. */
    private static final ClassValue<List<Component>> COMPONENTS = new ClassValue<>() {
        @Override
        protected List<Component> computeValue(Class<?> type) {
            return Arrays.stream(type.getRecordComponents())
                    .map(c -> new Component(c.getName(), c.getAccessor())).toList();
        }
    };

    private EventDrafts() {
    }

    private record Component(String name, Method accessor) {
    }

    /** The draft that stores {@code payload} about {@code subject}. */
    public static EventDraft of(String subject, Record payload) {
        EventType type = payload.getClass().getAnnotation(EventType.class);
        if (type == null) {
            throw new IllegalArgumentException(payload.getClass().getName() + " is not annotated with @EventType");
        }
        StringBuilder json = new StringBuilder(128);
        write(json, payload);
        return new EventDraft(type.name(), type.version(), subject, json.toString());
    }

    private static void write(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            EnvelopeFormat.quote(out, s);
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte) {
            out.append(value);
        } else if (value instanceof Double d && Double.isFinite(d) || value instanceof Float f && Float.isFinite(f)) {
            out.append(value);
        } else if (value instanceof Record record) {
            out.append('{');
            boolean first = true;
            for (Component component : COMPONENTS.get(record.getClass())) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                EnvelopeFormat.quote(out, component.name());
                out.append(':');
                write(out, read(component, record));
            }
            out.append('}');
        } else if (value instanceof Collection<?> items) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                write(out, item);
            }
            out.append(']');
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                EnvelopeFormat.quote(out, String.valueOf(entry.getKey()));
                out.append(':');
                write(out, entry.getValue());
            }
            out.append('}');
        } else {
            // Value types such as Digest render as their text form.
            EnvelopeFormat.quote(out, value.toString());
        }
    }

    private static Object read(Component component, Record record) {
        try {
            return component.accessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalArgumentException("read " + record.getClass().getSimpleName() + "."
                    + component.name() + ": " + e, e);
        }
    }
}
