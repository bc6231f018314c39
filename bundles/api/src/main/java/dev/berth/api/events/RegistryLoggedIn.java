package dev.berth.api.events;

import dev.berth.api.event.EventType;

/** A registry login was checked and stored (never the password). Subject: the registry. */
@EventType(name = "registry.logged-in", version = 1)
public record RegistryLoggedIn(String registry, String username) {
}
