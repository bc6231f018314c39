package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Sends the CLI's requests to the daemon and turns error answers into {@link DaemonErrorException}s with the
 * message of the JSON error body. Opens one connection per request; thread-safe as it holds no state besides
 * the address.
 */
public final class DaemonClient {

    private final DaemonAddress address;
    private final ClientTls tls;

    /** Creates a client for the daemon at {@code address}. */
    public DaemonClient(DaemonAddress address) {
        this(address, null);
    }

    /** Creates a client for the daemon at {@code address}, with {@code tls} for TCP (null: none). */
    DaemonClient(DaemonAddress address, ClientTls tls) {
        this.address = address;
        this.tls = tls;
    }

    /** The endpoint this client talks to. */
    public DaemonAddress address() {
        return address;
    }

    /** Sends {@code GET target} and returns the successful response, whose body the caller reads and closes. */
    public HttpResponse get(String target) throws IOException, DaemonUnreachableException, DaemonErrorException {
        return send("GET", target, null, null);
    }

    /** Sends {@code GET target} and parses the successful answer as JSON. */
    public JsonNode getJson(String target) throws IOException, DaemonUnreachableException, DaemonErrorException {
        try (HttpResponse response = get(target)) {
            return Json.parse(response.readBody());
        }
    }

    /** Sends {@code POST target} with a JSON body and parses the successful answer as JSON. */
    public JsonNode postJson(String target, JsonNode body)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        try (HttpResponse response = send("POST", target, "application/json", Json.bytes(body))) {
            return Json.parse(response.readBody());
        }
    }

    /** Sends {@code DELETE target} and parses the successful answer as JSON. */
    public JsonNode delete(String target) throws IOException, DaemonUnreachableException, DaemonErrorException {
        try (HttpResponse response = send("DELETE", target, null, null)) {
            return Json.parse(response.readBody());
        }
    }

    /** Sends {@code POST target} with a JSON body and returns the successful answer unread, for streams. */
    public HttpResponse post(String target, JsonNode body)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        return send("POST", target, "application/json", Json.bytes(body));
    }

    private HttpResponse send(String method, String target, String contentType, byte[] body)
            throws IOException, DaemonUnreachableException, DaemonErrorException {
        HttpConnection connection = HttpConnection.open(address, tls);
        HttpResponse response;
        try {
            response = connection.exchange(method, target, contentType, body);
        } catch (IOException e) {
            connection.close();
            throw e;
        }
        if (response.status() >= 200 && response.status() < 300) {
            return response;
        }
        try (response) {
            throw errorOf(response);
        }
    }

    /** Reads an error answer: the {@code message} and {@code kind} of its JSON body, or its status and text. */
    private DaemonErrorException errorOf(HttpResponse response) throws IOException {
        byte[] body = response.readBody();
        String fallback = "HTTP " + response.status() + (response.reason().isEmpty() ? "" : " " + response.reason());
        try {
            JsonNode error = Json.parse(body);
            if (error != null && error.path("message").isTextual() && !error.path("message").asText().isBlank()) {
                String kind = error.path("kind").isTextual() ? error.path("kind").asText() : null;
                return new DaemonErrorException(response.status(), error.path("message").asText(), kind);
            }
        } catch (IOException e) {
            // Not JSON: report the status and the start of the text below.
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        int newline = text.indexOf('\n');
        if (newline >= 0) {
            text = text.substring(0, newline).strip();
        }
        if (text.length() > 200) {
            text = text.substring(0, 200) + "...";
        }
        return new DaemonErrorException(response.status(), text.isEmpty() ? fallback : fallback + ": " + text, null);
    }
}
