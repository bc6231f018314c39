package dev.berth.launcher.cli;

import java.io.IOException;

/** Thrown when the daemon's successful answer lacks what the contract promises, e.g. a note without sequence. */
final class UnreadableAnswerException extends IOException {

    UnreadableAnswerException(String message) {
        super(message);
    }
}
