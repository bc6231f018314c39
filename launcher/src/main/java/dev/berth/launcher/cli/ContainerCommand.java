package dev.berth.launcher.cli;

import dev.berth.launcher.Option;
import java.util.List;

/**
 * A container command: parsed the way Docker's are (combined short flags such as {@code -it}, {@code -eK=V}).
 * Immutable and thread-safe.
 */
abstract class ContainerCommand extends CliCommand {
    ContainerCommand(String name, String synopsis, String summary, String description, List<Option> options) {
        super(name, synopsis, summary, description, options);
    }

    @Override
    final boolean dockerStyle() {
        return true;
    }
}
