import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The floor under the Berth daemon's idle memory (bench/scripts/daemon.sh, issue 10): the libraries the daemon
 * cannot do without, used the way it uses them, with nothing of Berth. One Vert.x instance with an event-bus
 * consumer; an HTTP server on 127.0.0.1 whose handler asks the bus and answers JSON written by Jackson databind;
 * the JDK's HTTP client (the pull stage's) sending REQUESTS requests with JSON bodies and reading the answers back
 * into records. Then it prints "ready PORT" and stays idle until killed, as the daemon does after its pull; with
 * {@code --exit} it exits there instead (to write a class-data archive for it, as the daemon has one).
 *
 * <p>With {@code --felix STORAGE BUNDLES} it first starts the Felix framework (from the class path, as the
 * daemon's launcher does) and installs and starts every jar in BUNDLES except Berth's own ({@code berth-*}, but
 * for {@code berth-vertx}, Vert.x as a bundle): the OSGi part of the stack, SCR, ConfigAdmin and FileInstall
 * with the library bundles resolved. Its own work still runs from the class path.
 *
 * <p>Run it with the daemon's own JVM options ({@code lib/berth-jvm} prints them with BERTH_JVM_PRINT_OPTIONS=1).
 * Whatever it holds resident, the daemon holds too, plus the engine's bundles and plugins.
 */
public final class StackFloor {
    /** What the server answers: a container as `berth ps` lists one. */
    public record Container(String id, String name, String image, String status, List<String> command) {
    }

    /** What the client sends. */
    public record Query(String filter, int limit) {
    }

    public static void main(String[] args) throws Exception {
        boolean exit = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--exit" -> exit = true;
                case "--felix" -> startFelix(new File(args[++i]), new File(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int requests = Integer.parseInt(System.getenv().getOrDefault("REQUESTS", "200"));
        ObjectMapper mapper = new ObjectMapper();
        Vertx vertx = Vertx.vertx();
        vertx.eventBus().<String>consumer("floor.containers", message -> message.reply(message.body()));
        HttpServer server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body ->
                vertx.eventBus().<String>request("floor.containers", body.toString()).onComplete(reply -> {
                    try {
                        Query query = mapper.readValue(reply.result().body(), Query.class);
                        Container one = new Container("0123456789ab".repeat(5) + "cdef", "quiet_berth",
                                "127.0.0.1:5000/busybox:latest", "running", List.of("sh", "-c", query.filter()));
                        request.response().putHeader("content-type", "application/json")
                                .end(mapper.writeValueAsString(List.of(one, one)));
                    } catch (Exception e) {
                        request.response().setStatusCode(500).end(String.valueOf(e));
                    }
                })));
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        int port = server.actualPort();
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/containers"))
                    .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(new Query("name=x" + i, i))))
                    .header("content-type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            Container[] listed = mapper.readValue(answer.body(), Container[].class);
            if (answer.statusCode() != 200 || listed.length != 2) {
                throw new IllegalStateException("request " + i + ": HTTP " + answer.statusCode() + " " + answer.body());
            }
        }
        System.out.println("ready " + port);
        System.out.flush();
        if (exit) {
            System.exit(0);
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Starts Felix with its cache in {@code storage} and every non-Berth jar of {@code bundles} started. */
    private static void startFelix(File storage, File bundles) throws BundleException, IOException {
        Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"))
                .newFramework(Map.of(Constants.FRAMEWORK_STORAGE, storage.getPath(),
                        Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT,
                        "felix.fileinstall.dir", new File(storage, "watched").getPath()));
        framework.init();
        File[] jars = bundles.listFiles((dir, name) -> name.endsWith(".jar")
                && (!name.startsWith("berth-") || name.startsWith("berth-vertx-")));
        if (jars == null || jars.length == 0) {
            throw new IOException("no bundle jars in " + bundles);
        }
        List<Bundle> installed = new ArrayList<>();
        for (File jar : jars) {
            installed.add(framework.getBundleContext().installBundle(jar.toURI().toString()));
        }
        new File(storage, "watched").mkdirs();
        framework.start();
        for (Bundle bundle : installed) {
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                bundle.start();
            }
        }
        System.out.println("felix: " + installed.size() + " bundles started");
    }
}
