package dev.berth.launcher.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the daemon's HTTP API listens: a Unix domain socket ({@code unix:///run/berth/berth.sock}) or a TCP
 * address ({@code tcp://127.0.0.1:2375}). Immutable.
 *
 * @param uri        the endpoint as given, used in messages
 * @param socketPath the socket file for {@code unix://}, otherwise {@code null}
 * @param host       the host for {@code tcp://}, otherwise {@code null}
 * @param port       the port for {@code tcp://}, otherwise 0
 */
public record DaemonAddress(String uri, Path socketPath, String host, int port) {

    /** The endpoint used when neither {@code --host} nor {@code BERTH_HOST} is given. */
    public static final String DEFAULT = "unix:///run/berth/berth.sock";

    /** Checks that exactly one kind of endpoint is described. */
    public DaemonAddress {
        Objects.requireNonNull(uri, "uri");
        if ((socketPath == null) == (host == null)) {
            throw new IllegalArgumentException("a daemon address is either a socket path or a host and port: " + uri);
        }
    }

    /** Whether this is a Unix domain socket. */
    public boolean isUnix() {
        return socketPath != null;
    }

    /** The value of the HTTP {@code Host} header for requests to this endpoint. */
    public String hostHeader() {
        if (isUnix()) {
            return "localhost";
        }
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Parses {@code unix:///absolute/path} or {@code tcp://host:port}.
     *
     * @throws IllegalArgumentException with a message saying what is wrong
     */
    public static DaemonAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty daemon address; expected unix:///path or tcp://host:port");
        }
        if (text.startsWith("unix://")) {
            String path = text.substring("unix://".length());
            if (!path.startsWith("/") || path.length() < 2) {
                throw new IllegalArgumentException("invalid daemon address '" + text
                        + "': a unix socket needs an absolute path, e.g. unix:///run/berth/berth.sock");
            }
            return new DaemonAddress(text, Path.of(path), null, 0);
        }
        if (text.startsWith("tcp://")) {
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("invalid daemon address '" + text + "': " + e.getReason());
            }
            String rest = text.substring("tcp://".length());
            if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535
                    || !(rest.endsWith(":" + uri.getPort()) || rest.endsWith(":" + uri.getPort() + "/"))) {
                throw new IllegalArgumentException("invalid daemon address '" + text
                        + "': expected tcp://host:port with a port from 1 to 65535");
            }
            String host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new DaemonAddress(text, null, host, uri.getPort());
        }
        throw new IllegalArgumentException("invalid daemon address '" + text
                + "': expected unix:///path or tcp://host:port");
    }
}
