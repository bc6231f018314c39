package dev.berth.api.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ImageReferenceTest {
    private static final String D = "sha256:abababababababababababababababababababababababababababababababab";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "busybox, docker.io/library/busybox:latest",
        "busybox:1.36, docker.io/library/busybox:1.36",
        "library/busybox, docker.io/library/busybox:latest",
        "docker.io/busybox, docker.io/library/busybox:latest",
        "index.docker.io/library/busybox, docker.io/library/busybox:latest",
        "someone/tool:v2, docker.io/someone/tool:v2",
        "127.0.0.1:5000/busybox:latest, 127.0.0.1:5000/busybox:latest",
        "localhost/a/b/c, localhost/a/b/c:latest",
        "localhost:5000/x, localhost:5000/x:latest",
        "registry.example/team/app:1.0-rc_1, registry.example/team/app:1.0-rc_1",
        "a__b/c.d/e-f--g, docker.io/a__b/c.d/e-f--g:latest",
        "busybox@" + D + ", docker.io/library/busybox@" + D,
        "busybox:1.36@" + D + ", docker.io/library/busybox:1.36@" + D,
        "127.0.0.1:5000/busybox@" + D + ", 127.0.0.1:5000/busybox@" + D,
        "[::1]:5000/busybox, [::1]:5000/busybox:latest",
    })
    void normalisesLikeDocker(String text, String expected) {
        assertEquals(expected, ImageReference.parse(text).toString());
    }

    static Stream<Arguments> hostileReferences() {
        return Stream.of(
                Arguments.of("EmptyText", "", "empty"),
                Arguments.of("Uppercase", "Busybox", "component"),
                Arguments.of("SpaceInside", "busy box", "whitespace"),
                Arguments.of("NewlineInjection", "busybox\nHost: evil", "whitespace"),
                Arguments.of("NulByte", "busybox\u0000", "control"),
                Arguments.of("DotDotComponent", "127.0.0.1:5000/../etc/passwd", "component"),
                Arguments.of("EmptyComponent", "a//b", "component"),
                Arguments.of("LeadingSlash", "/busybox", "component"),
                Arguments.of("TrailingSlash", "busybox/", "component"),
                Arguments.of("BadTagCharacter", "busybox:la$test", "tag"),
                Arguments.of("TagStartsWithDot", "busybox:.hidden", "tag"),
                Arguments.of("TagTooLong", "busybox:" + "a".repeat(129), "tag"),
                Arguments.of("ShortDigest", "busybox@sha256:abc", "64"),
                Arguments.of("UnknownAlgorithm", "busybox@md5:0123", "not supported"),
                Arguments.of("UppercaseDigest", "busybox@sha256:" + "AB".repeat(32), "lowercase"),
                Arguments.of("BadHost", "bad_host.example:5000/x", "registry host"),
                Arguments.of("PortOnly", ":5000/x", "registry host"),
                Arguments.of("SemicolonInName", "a;b", "component"),
                Arguments.of("NameTooLong", "x/" + "a".repeat(300), "longer than 255"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileReferences")
    void rejectsWithAMessageNamingTheProblem(String name, String text, String mentions) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(text));
        assertTrue(e.getMessage().startsWith("invalid image reference"), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), name + ": " + e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"linux/amd64, linux, amd64, ''", "linux/arm64/v8, linux, arm64, v8"})
    void platformsParse(String text, String os, String arch, String variant) {
        Platform platform = Platform.parse(text);
        assertEquals(os, platform.os());
        assertEquals(arch, platform.architecture());
        assertEquals(variant.isEmpty() ? null : variant, platform.variant());
        assertEquals(text, platform.toString());
    }
}
