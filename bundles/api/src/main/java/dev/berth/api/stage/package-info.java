/**
 * Stage SPIs: what a pull, expand, archive, commit or push implementation provides. Plugins register
 * implementations as DS services with {@code berth.stage} set to the stage name; the engine reaches the active one (highest
 * service ranking) over the bus at {@code berth.stage.<name>}.
 */
@Version("1.3.0")
@Export
package dev.berth.api.stage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
