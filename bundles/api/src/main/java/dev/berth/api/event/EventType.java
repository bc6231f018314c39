package dev.berth.api.event;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the stored type name and schema version of an event payload record, independent of the Java
 * class name, so a class can be renamed without breaking the log. Every declared type has a JSON Schema
 * in spec-schemas at {@code events/<name>.v<version>.json}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EventType {
    /** The stored type name, lowercase and dot-separated: {@code plugin.installed}. */
    String name();

    /** The payload schema version, from 1. */
    int version();
}
