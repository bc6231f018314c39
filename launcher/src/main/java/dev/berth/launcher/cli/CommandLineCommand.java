package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import dev.berth.launcher.UsageException;
import java.io.IOException;
import java.util.List;

/**
 * A container command that ends with a command line of its own ({@code run IMAGE CMD...},
 * {@code exec CONTAINER CMD...}): options end at the first argument, so the command's own flags pass
 * through. Immutable and thread-safe.
 */
abstract class CommandLineCommand extends ContainerCommand {
    CommandLineCommand(String name, String synopsis, String summary, String description, List<Option> options) {
        super(name, synopsis, summary, description, options);
    }

    @Override
    final boolean optionsEndAtFirstArgument() {
        return true;
    }

    /** The create body of {@code run}/{@code create}; a bad option value is this command's usage error. */
    final ObjectNode createBody(ParsedArguments args, CliContext context) throws UsageException, IOException {
        try {
            return RunArguments.body(args, context.env());
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
    }
}
