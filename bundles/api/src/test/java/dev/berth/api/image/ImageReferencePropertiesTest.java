package dev.berth.api.image;

import dev.berth.api.testing.Tries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Properties of {@link ImageReference#parse} over generated input, complementing the named cases of
 * {@link ImageReferenceTest}. It proves that:
 * <ul>
 *   <li>references built from the grammar (registry hosts with ports, IPv6 and docker.io aliases, path components
 *       with every separator, tags, sha256 and sha512 digests) parse to what an independent model of Docker's
 *       normalisation predicts, or are refused naming the 255 character limit when the model says they are too
 *       long;</li>
 *   <li>parsing round-trips: {@code parse(r.toString())} equals {@code r}, and normalisation is idempotent;</li>
 *   <li>every parsed reference keeps the invariants (no docker.io alias as registry, {@code library/} for
 *       single-component docker.io names, a tag or a digest, valid components, at most 255 characters, the
 *       manifest reference is the digest when there is one, {@code withTag} keeps the name);</li>
 *   <li>the spellings Docker treats as one name ({@code x}, {@code library/x}, {@code docker.io/x},
 *       {@code index.docker.io/library/x}, ...) normalise to one reference;</li>
 *   <li>arbitrary text (hostile characters, near-miss mutations of valid references, very long strings) either
 *       parses to a reference that keeps the invariants or is refused with an IllegalArgumentException whose
 *       message starts {@code invalid image reference} and stays short (at most 1,000 characters), never with
 *       another exception.</li>
 * </ul>
 */
class ImageReferencePropertiesTest {
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final int MAX_MESSAGE = 1000;

    /**
     * A generated reference and what the model expects: the reference it parses to, or (expected null) a refusal
     * whose message contains {@code refusal}.
     */
    record Generated(String text, ImageReference expected, String refusal) {
    }

    @Test
    void generatedReferencesParseAsTheModelPredicts() {
        Tries.check("reference.model", 2000, Duration.ofSeconds(2), (random, i) -> {
            Generated g = generate(random);
            if (g.expected() == null) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> ImageReference.parse(g.text()), g.text());
                assertTrue(e.getMessage().contains(g.refusal()), g.refusal() + " not in " + e.getMessage());
                return;
            }
            assertEquals(g.expected(), ImageReference.parse(g.text()), g.text());
        });
    }

    @Test
    void parsingRoundTripsAndIsIdempotent() {
        Tries.check("reference.round-trip", 2000, Duration.ofSeconds(2), (random, i) -> {
            Generated g = generate(random);
            if (g.expected() == null) {
                return;
            }
            ImageReference parsed = ImageReference.parse(g.text());
            ImageReference again = ImageReference.parse(parsed.toString());
            assertEquals(parsed, again, g.text());
            assertEquals(parsed.toString(), again.toString(), g.text());
            assertInvariants(parsed, g.text());
        });
    }

    @Test
    void dockerHubSpellingsNormaliseToOneReference() {
        Tries.check("reference.docker-hub-spellings", 500, Duration.ofSeconds(1), (random, i) -> {
            String name = component(random);
            String suffix = switch (random.nextInt(3)) {
                case 0 -> "";
                case 1 -> ":" + tag(random);
                default -> "@" + digest(random);
            };
            ImageReference first = ImageReference.parse(name + suffix);
            for (String spelling : List.of("library/" + name, "docker.io/" + name, "docker.io/library/" + name,
                    "index.docker.io/" + name, "index.docker.io/library/" + name, "registry-1.docker.io/" + name,
                    "registry-1.docker.io/library/" + name)) {
                assertEquals(first, ImageReference.parse(spelling + suffix), spelling + suffix);
            }
            assertEquals("docker.io", first.registry());
            assertEquals("library/" + name, first.repository());
        });
    }

    @Test
    void arbitraryTextParsesOrIsRefusedWithAShortMessage() {
        Tries.check("reference.arbitrary-text", 3000, Duration.ofSeconds(2), (random, i) -> {
            String text = switch (random.nextInt(4)) {
                case 0 -> noise(random, random.nextInt(80));
                case 1 -> mutate(random, generate(random).text());
                case 2 -> longText(random);
                default -> mutate(random, mutate(random, generate(random).text()));
            };
            ImageReference parsed;
            try {
                parsed = ImageReference.parse(text);
            } catch (IllegalArgumentException e) {
                assertNotNull(e.getMessage(), "no message for " + show(text));
                assertTrue(e.getMessage().startsWith("invalid image reference \""), e.getMessage());
                assertTrue(e.getMessage().length() <= MAX_MESSAGE, "a message of " + e.getMessage().length()
                        + " characters for a text of " + text.length() + ": " + show(e.getMessage()));
                return;
            }
            assertInvariants(parsed, text);
            assertEquals(parsed, ImageReference.parse(parsed.toString()), show(text));
        });
    }

    private static void assertInvariants(ImageReference r, String text) {
        String why = "parsed from " + show(text) + " as " + r;
        assertFalse(r.registry().equals("index.docker.io") || r.registry().equals("registry-1.docker.io"), why);
        if (r.registry().equals("docker.io")) {
            assertTrue(r.repository().contains("/"), why);
        }
        assertTrue(r.tag() != null || r.digest() != null, why);
        for (String c : r.repository().split("/", -1)) {
            assertTrue(COMPONENT.matcher(c).matches(), "component " + c + " " + why);
        }
        assertTrue(r.name().length() <= 255, why);
        assertEquals(r.registry() + "/" + r.repository(), r.name(), why);
        assertEquals(r.digest() != null ? r.digest().toString() : r.tag(), r.manifestReference(), why);
        ImageReference retagged = r.withTag("v1");
        assertEquals(r.name(), retagged.name(), why);
        assertEquals("v1", retagged.tag(), why);
        assertEquals(null, retagged.digest(), why);
        assertTrue(r.toString().startsWith(r.name()), why);
    }

    // ---- the grammar and the model -------------------------------------------------------------------------

    private static Generated generate(Random random) {
        String host = switch (random.nextInt(12)) {
            case 0, 1, 2, 3 -> null;
            case 4 -> "docker.io";
            case 5 -> pick(random, "index.docker.io", "registry-1.docker.io");
            case 6 -> "localhost" + (random.nextBoolean() ? "" : ":" + (1 + random.nextInt(65535)));
            case 7 -> "127.0.0.1:" + (1 + random.nextInt(99999));
            case 8 -> pick(random, "[::1]", "[::1]:5000", "[fe80::1:2]:443", "[2001:db8::8]");
            case 9 -> pick(random, "Registry.Example.COM", "MyHost", "UPPER:5000");
            default -> domain(random) + (random.nextBoolean() ? "" : ":" + (1 + random.nextInt(65535)));
        };
        List<String> path = new ArrayList<>();
        int parts = 1 + random.nextInt(random.nextInt(8) == 0 ? 12 : 4);
        for (int i = 0; i < parts; i++) {
            path.add(component(random));
        }
        String tag = random.nextInt(3) == 0 ? null : tag(random);
        Digest digest = random.nextInt(4) == 0 ? Digest.parse(digest(random)) : null;
        String text = (host == null ? "" : host + "/") + String.join("/", path) + (tag == null ? "" : ":" + tag)
                + (digest == null ? "" : "@" + digest);
        return model(text, host, path, tag, digest);
    }

    /**
     * Docker's normalisation, written independently of the parser: a first component with a dot (or
     * {@code localhost}) names the registry, so it must then be a host name (no {@code _}, no label starting or
     * ending with {@code -}); a docker.io alias becomes docker.io, a single docker.io component gets
     * {@code library/}, no tag and no digest means {@code latest}, and the name is at most 255 characters.
     */
    private static Generated model(String text, String host, List<String> path, String tag, Digest digest) {
        String registry;
        List<String> repository = new ArrayList<>(path);
        if (host != null) {
            registry = host;
        } else if (repository.size() > 1 && (repository.get(0).contains(".") || repository.get(0).equals("localhost"))) {
            registry = repository.remove(0);
            if (!isHostName(registry)) {
                return new Generated(text, null, "registry host");
            }
        } else {
            registry = "docker.io";
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = "docker.io";
        }
        if (registry.equals("docker.io") && repository.size() == 1) {
            repository.add(0, "library");
        }
        String name = String.join("/", repository);
        if (registry.length() + 1 + name.length() > 255) {
            return new Generated(text, null, "longer than 255");
        }
        return new Generated(text, new ImageReference(registry, name, tag == null && digest == null ? "latest" : tag,
                digest), null);
    }

    private static boolean isHostName(String text) {
        for (String label : text.split("\\.", -1)) {
            if (label.isEmpty() || label.startsWith("-") || label.endsWith("-")
                    || !label.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128 || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static String component(Random random) {
        StringBuilder c = new StringBuilder(alnum(random, 1 + random.nextInt(8)));
        int more = random.nextInt(3);
        for (int i = 0; i < more; i++) {
            c.append(pick(random, ".", "_", "__", "-", "--", "---")).append(alnum(random, 1 + random.nextInt(6)));
        }
        return c.toString();
    }

    private static String domain(Random random) {
        int labels = 2 + random.nextInt(3);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < labels; i++) {
            String label = alnum(random, 1 + random.nextInt(6));
            if (random.nextInt(4) == 0) {
                label = label + "-" + alnum(random, 1 + random.nextInt(4));
            }
            out.add(random.nextInt(6) == 0 ? label.toUpperCase(java.util.Locale.ROOT) : label);
        }
        return String.join(".", out);
    }

    private static String tag(Random random) {
        String first = "abcXYZ019_";
        String rest = "abcXYZ019_.-";
        StringBuilder t = new StringBuilder().append(first.charAt(random.nextInt(first.length())));
        int length = random.nextInt(10) == 0 ? random.nextInt(128) : random.nextInt(12);
        for (int i = 0; i < length; i++) {
            t.append(rest.charAt(random.nextInt(rest.length())));
        }
        return t.toString();
    }

    private static String digest(Random random) {
        boolean sha512 = random.nextInt(4) == 0;
        StringBuilder hex = new StringBuilder(sha512 ? "sha512:" : "sha256:");
        for (int i = 0; i < (sha512 ? 128 : 64); i++) {
            hex.append("0123456789abcdef".charAt(random.nextInt(16)));
        }
        return hex.toString();
    }

    private static String alnum(Random random, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(random.nextInt(36)));
        }
        return s.toString();
    }

    // ---- hostile text --------------------------------------------------------------------------------------

    private static final String[] HOSTILE = {":", "/", "@", ".", "_", "-", "[", "]", "A", "Z", "0", " ", "\t", "\n",
        "\0", "\u007f", "%", "%2e", "..", "sha256:", "ü", "ı", "\u2028", "😀", "\uD800", "localhost", "docker.io",
        "\\", "#", "?", "=", "a", "b"};

    private static String noise(Random random, int parts) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            s.append(HOSTILE[random.nextInt(HOSTILE.length)]);
        }
        return s.toString();
    }

    private static String mutate(Random random, String text) {
        StringBuilder s = new StringBuilder(text);
        int at = s.length() == 0 ? 0 : random.nextInt(s.length());
        switch (random.nextInt(4)) {
            case 0 -> s.insert(at, HOSTILE[random.nextInt(HOSTILE.length)]);
            case 1 -> {
                if (s.length() > 0) {
                    s.deleteCharAt(at);
                }
            }
            case 2 -> {
                if (s.length() > 0) {
                    s.setCharAt(at, HOSTILE[random.nextInt(HOSTILE.length)].charAt(0));
                }
            }
            default -> s.insert(at, s.substring(at, Math.min(s.length(), at + 1 + random.nextInt(20))));
        }
        return s.toString();
    }

    /** Long text in every part of a reference: host, component, tag, digest algorithm and hex. */
    private static String longText(Random random) {
        String big = "a".repeat(1000 + random.nextInt(60_000));
        return switch (random.nextInt(7)) {
            case 0 -> big;
            case 1 -> big + ".example/x";
            case 2 -> "x/" + big.replace('a', 'A');
            case 3 -> "busybox:" + big;
            case 4 -> "busybox@" + big + ":abc";
            case 5 -> "busybox@sha256:" + big;
            default -> "bad_host." + big + "/x";
        };
    }

    private static String show(String s) {
        String shown = s.length() > 120 ? s.substring(0, 120) + "...(" + s.length() + " chars)" : s;
        return "\"" + shown.replace("\0", "\\0").replace("\n", "\\n") + "\"";
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }
}
