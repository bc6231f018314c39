package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpMethod;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Version negotiation, path hygiene and the 501 answer, against a real {@link DockerServer}. */
class DockerRouterTest {
    @TempDir
    Path folder;

    private DockerHarness docker;

    @BeforeEach
    void start() throws Exception {
        docker = new DockerHarness(folder);
    }

    @AfterEach
    void stop() throws Exception {
        docker.close();
    }

    @Test
    void pingAnswersOkWithTheHeadersTheClientNegotiatesWith() throws Exception {
        for (String path : List.of("/_ping", "/v1.24/_ping", "/v1.50/_ping")) {
            DockerHarness.Answer answer = docker.call(HttpMethod.GET, path);
            assertEquals(200, answer.status(), path);
            assertEquals("OK", answer.body(), path);
            assertEquals("1.50", answer.headers().get("Api-Version"), path);
            assertEquals("linux", answer.headers().get("Ostype"), path);
            assertEquals("false", answer.headers().get("Docker-Experimental"), path);
            assertEquals("1", answer.headers().get("Builder-Version"), path);
            assertTrue(answer.headers().get("Cache-Control").contains("no-cache"), path);
        }
        DockerHarness.Answer head = docker.call(HttpMethod.HEAD, "/_ping");
        assertEquals(200, head.status());
        assertEquals("", head.body());
        assertEquals("1.50", head.headers().get("Api-Version"));
    }

    /** Named hostile or unsupported requests: method, path, status, the message (or its start). */
    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("TooOldVersion", HttpMethod.GET, "/v1.20/version", 400, "client version 1.20 is too old. "
                        + "Minimum supported API version is 1.24, please upgrade your client to a newer version"),
                Arguments.of("TooNewVersion", HttpMethod.GET, "/v1.99/info", 400,
                        "client version 1.99 is too new. Maximum supported API version is 1.50"),
                Arguments.of("OldPing", HttpMethod.GET, "/v1.0/_ping", 400, "client version 1.0 is too old"),
                Arguments.of("ThreePartVersion", HttpMethod.GET, "/v1.5.0/info", 400, "invalid API version \"1.5.0\""),
                Arguments.of("MajorOnly", HttpMethod.GET, "/v1/info", 400, "invalid API version \"1\""),
                Arguments.of("HugeVersion", HttpMethod.GET, "/v99999999999999999999.1/info", 400, "invalid API version"),
                Arguments.of("LettersInVersion", HttpMethod.GET, "/v1.5x/info", 400, "invalid API version"),
                Arguments.of("DotDotSegment", HttpMethod.GET, "/v1.50/images/../../etc/passwd/json", 400, "invalid path"),
                Arguments.of("EncodedDotDot", HttpMethod.GET, "/v1.50/images/%2e%2e/json", 400, "invalid path"),
                Arguments.of("EncodedNul", HttpMethod.GET, "/v1.50/images/a%00b/json", 400, "invalid path"),
                Arguments.of("BrokenEscape", HttpMethod.GET, "/v1.50/images/a%zz/json", 400, "invalid escape"),
                Arguments.of("NotUtf8", HttpMethod.GET, "/v1.50/images/%ff%fe/json", 400, "path"),
                Arguments.of("Build", HttpMethod.POST, "/v1.50/build", 501, "Berth does not implement POST /build"),
                Arguments.of("Swarm", HttpMethod.POST, "/v1.50/swarm/init", 501,
                        "Berth does not implement POST /swarm/init"),
                Arguments.of("Networks", HttpMethod.GET, "/v1.50/networks", 501, "Berth does not implement GET /networks"),
                Arguments.of("Volumes", HttpMethod.GET, "/volumes", 501, "Berth does not implement GET /volumes"),
                Arguments.of("WrongMethodOnPing", HttpMethod.DELETE, "/v1.50/_ping", 501,
                        "Berth does not implement DELETE /_ping"),
                Arguments.of("WrongMethodOnInfo", HttpMethod.POST, "/v1.50/info", 501,
                        "Berth does not implement POST /info"),
                Arguments.of("ImageSearch", HttpMethod.GET, "/v1.50/images/search?term=x", 501,
                        "Berth does not implement GET /images/search"),
                Arguments.of("ImagePushEveryTag", HttpMethod.POST, "/v1.50/images/busybox/push", 501,
                        "Berth does not implement pushing every tag"),
                Arguments.of("ImagePushPlatform", HttpMethod.POST,
                        "/v1.50/images/busybox/push?tag=1&platform=%7B%22os%22%3A%22linux%22%7D", 501,
                        "Berth does not implement choosing the platform to push"),
                Arguments.of("ImagePushDigest", HttpMethod.POST, "/v1.50/images/busybox@sha256:" + "a".repeat(64)
                        + "/push", 400, "cannot push a digest reference"),
                Arguments.of("Copy", HttpMethod.GET, "/v1.50/containers/web/archive?path=/etc", 501,
                        "Berth does not implement GET /containers/web/archive"),
                Arguments.of("CommitWithoutContainer", HttpMethod.POST, "/v1.50/commit?repo=x", 400,
                        "commit: name the container"),
                Arguments.of("CommitBadName", HttpMethod.POST, "/v1.50/commit?container=web&repo=Not%20A%20Name", 400,
                        "invalid image reference"),
                Arguments.of("Root", HttpMethod.GET, "/", 501, "Berth does not implement GET /"),
                Arguments.of("VersionOnly", HttpMethod.GET, "/v1.50", 501, "Berth does not implement GET /"),
                Arguments.of("ImportFromUrl", HttpMethod.POST,
                        "/v1.50/images/create?fromSrc=http%3A%2F%2F127.0.0.1%2Fx.tar&repo=x", 501,
                        "Berth does not implement importing from a URL"),
                Arguments.of("ImportFromNothing", HttpMethod.POST, "/v1.50/images/create?fromSrc=&repo=x", 400,
                        "import: fromSrc must be -"),
                Arguments.of("ImportBadName", HttpMethod.POST, "/v1.50/images/create?fromSrc=-&repo=UPPER", 400,
                        "invalid image reference"),
                Arguments.of("AllTags", HttpMethod.POST, "/v1.50/images/create?fromImage=busybox", 501,
                        "Berth does not implement pulling every tag"),
                Arguments.of("BadPullReference", HttpMethod.POST, "/v1.50/images/create?fromImage=BusyBox&tag=latest",
                        400, "invalid image reference"),
                Arguments.of("PullWithoutImage", HttpMethod.POST, "/v1.50/images/create", 400, "fromImage is required"),
                Arguments.of("TagWithoutRepo", HttpMethod.POST, "/v1.50/images/busybox/tag", 400, "repository name"),
                Arguments.of("EventsBadSince", HttpMethod.GET, "/v1.50/events?since=yesterday", 400,
                        "invalid value for since"),
                Arguments.of("EventsUntilBeforeSince", HttpMethod.GET, "/v1.50/events?since=200&until=100", 400,
                        "until"),
                Arguments.of("EventsUnknownFilter", HttpMethod.GET, "/v1.50/events?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D",
                        400, "invalid filter 'colour'"),
                Arguments.of("EventsLabelFilter", HttpMethod.GET,
                        "/v1.50/events?filters=%7B%22label%22%3A%7B%22a%22%3Atrue%7D%7D", 501,
                        "Berth does not implement the events filter 'label'"),
                Arguments.of("FiltersNotJson", HttpMethod.GET, "/v1.50/images/json?filters=%7Bnope", 400, "invalid filters"),
                Arguments.of("FiltersWrongShape", HttpMethod.GET, "/v1.50/images/json?filters=%7B%22reference%22%3A5%7D",
                        400, "invalid filters"),
                Arguments.of("ImagesBeforeFilter", HttpMethod.GET,
                        "/v1.50/images/json?filters=%7B%22before%22%3A%5B%22x%22%5D%7D", 501,
                        "Berth does not implement the images filter 'before'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesWithStatusAndMessage(String name, HttpMethod method, String path, int status, String message)
            throws Exception {
        DockerHarness.Answer answer = docker.call(method, path);
        assertEquals(status, answer.status(), name + ": " + answer.body());
        assertTrue(answer.message().startsWith(message), name + ": " + answer.message());
        assertEquals("application/json", answer.headers().get("Content-Type"), name);
        assertTrue(docker.requests.isEmpty(), name + " reached the engine: " + docker.requests);
    }

    @Test
    void hugeFiltersAreRefusedBeforeParsing() throws Exception {
        String huge = "{\"reference\":[\"" + "a".repeat(20_000) + "\"]}";
        DockerHarness.Answer answer = docker.call(HttpMethod.GET, "/v1.50/images/json?filters="
                + java.net.URLEncoder.encode(huge, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(400, answer.status(), answer.body());
        assertTrue(answer.message().contains("longer than"), answer.message());

        answer = docker.call(HttpMethod.GET, "/v1.50/images/json?filters=" + "a".repeat(100_000));
        assertEquals(414, answer.status(), "a request line beyond 64 KiB is refused by the HTTP layer");

        String deep = "[".repeat(5000);
        answer = docker.call(HttpMethod.GET, "/v1.50/images/json?filters="
                + java.net.URLEncoder.encode("{\"reference\":" + deep + "}", java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(400, answer.status(), answer.body());
    }

    @Test
    void routeSplitsVersionAndPath() {
        assertEquals(new DockerRouter.Route(new ApiVersion(1, 41), "/info"), DockerRouter.route("/v1.41/info"));
        assertEquals(new DockerRouter.Route(ApiVersion.MAXIMUM, "/info"), DockerRouter.route("/info"));
        assertEquals(new DockerRouter.Route(ApiVersion.MAXIMUM, "/volumes"), DockerRouter.route("/volumes"));
        assertEquals(new DockerRouter.Route(ApiVersion.MAXIMUM, "/"), DockerRouter.route("/v1.50"));
    }

    @Test
    void patternsCaptureImageNamesWithSlashesAndDecodeThem() {
        assertEquals(List.of("127.0.0.1:5000/library/busybox"),
                DockerRequest.matchPath("/images/127.0.0.1:5000/library/busybox/json", "/images/{name*}/json"));
        assertEquals(List.of("a b+c"), DockerRequest.matchPath("/images/a%20b+c/json", "/images/{name*}/json"));
        assertEquals(List.of("abc", "start"), DockerRequest.matchPath("/containers/abc/start", "/containers/{id}/{op}"));
        assertNull(DockerRequest.matchPath("/containers/a/b/start", "/containers/{id}/start"));
        assertNull(DockerRequest.matchPath("/images/json", "/images/{name*}/json"));
    }

    @Test
    void versionsCompareNumerically() {
        assertTrue(ApiVersion.parse("1.9").compareTo(ApiVersion.parse("1.24")) < 0);
        assertTrue(ApiVersion.parse("1.50").atLeast(new ApiVersion(1, 44)));
        assertEquals("1.41", ApiVersion.parse("1.41").requireSupported().toString());
    }
}
