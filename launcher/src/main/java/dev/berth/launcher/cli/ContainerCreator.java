package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * Creates a container with {@code POST /v1/containers}; when the daemon answers 404 "no such image", pulls
 * the image the way {@code berth pull} does, progress on standard error after Docker's "Unable to find
 * image ... locally", and tries once more. Prints the daemon's warnings to standard error. Stateless.
 */
final class ContainerCreator {
    private ContainerCreator() {
    }

    /** Thrown when the pull after a missing image failed; its message was printed already. */
    static final class PullFailedException extends Exception {
        PullFailedException(String image) {
            super("pull " + image + " failed");
        }
    }

    /** Creates the container and returns the daemon's answer {@code {"id","name","warnings"}}. */
    static JsonNode create(CliContext context, ObjectNode body)
            throws IOException, DaemonUnreachableException, DaemonErrorException, PullFailedException {
        JsonNode answer;
        try {
            answer = context.client().postJson("/v1/containers", body);
        } catch (DaemonErrorException e) {
            if (e.status() != 404 || e.getMessage() == null || !e.getMessage().startsWith("no such image")) {
                throw e;
            }
            String image = body.path("image").asText();
            context.err().println("Unable to find image '" + image + "' locally");
            if (PullCommand.pull(context.toStderr(), image, null, List.of(), false) != 0) {
                throw new PullFailedException(image);
            }
            answer = context.client().postJson("/v1/containers", body);
        }
        for (JsonNode warning : answer.path("warnings")) {
            context.err().println("WARNING: " + warning.asText());
        }
        if (!answer.path("id").isTextual()) {
            throw new UnreadableAnswerException("no container id in the answer " + answer);
        }
        return answer;
    }
}
