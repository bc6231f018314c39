package dev.berth.plugin.spec.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.RunOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Docker's rule for a container's argument vector: the entrypoint (the options' when given, an empty list
 * clearing the image's) followed by the command (the options' when given; the image's Cmd only when the
 * options did not replace the entrypoint). Stateless.
 */
final class CommandLine {
    private CommandLine() {
    }

    /** The process's args; an empty result is an INVALID error. */
    static List<String> args(ImageConfig image, RunOptions options) throws BerthException {
        List<String> entrypoint = options.entrypoint() != null ? options.entrypoint() : image.entrypoint();
        List<String> command;
        if (options.command() != null) {
            command = options.command();
        } else if (options.entrypoint() != null) {
            command = List.of();
        } else {
            command = image.cmd();
        }
        List<String> args = new ArrayList<>();
        if (entrypoint != null) {
            args.addAll(entrypoint);
        }
        if (command != null) {
            args.addAll(command);
        }
        if (args.isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, "no command: the image has no Entrypoint or Cmd and none was given");
        }
        if (args.get(0).isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, "no command: the first argument is empty");
        }
        return List.copyOf(args);
    }
}
