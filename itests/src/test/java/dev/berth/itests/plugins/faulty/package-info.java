/**
 * Pull stages that misbehave on purpose, and one that behaves: packed by
 * {@link dev.berth.itests.plugins.FaultyPlugins} into plugin bundles so tests can install, swap and remove
 * them in a running engine. Plain classes, no DS annotations: {@link dev.berth.itests.plugins.PluginJar}
 * writes their component descriptors, so nothing here needs bnd.
 */
package dev.berth.itests.plugins.faulty;
