package dev.berth.dockerapi.impl;

/**
 * One group of Docker Engine API calls (system, images, containers, ...). {@link DockerRouter} offers each
 * request, already stripped of its {@code /vX.Y} prefix and checked for version and path hygiene, to every
 * group in turn; the first that answers {@code true} owns it. A request no group takes is answered 501,
 * naming it. Implementations must be thread-safe: they are called on Vert.x event loops.
 *
 * <p>Adding a group: write a class implementing this interface (match with
 * {@link DockerRequest#match(io.vertx.core.http.HttpMethod, String)}, reply with {@link DockerReply}, reach the
 * engine through {@link EngineBus}) and add one line to {@link DockerServer#routes}.
 */
interface DockerRoutes {

    /**
     * Answers {@code request} and returns true when one of this group's routes matches its method and path;
     * returns false, without touching the response, otherwise. May throw a {@link DockerException} (or an
     * {@link IllegalArgumentException}, answered 400) before anything is written.
     */
    boolean handle(DockerRequest request);
}
