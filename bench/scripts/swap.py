#!/usr/bin/env python3
"""Hot-swap benchmark: how long until a newly installed plugin serves, and what a swap costs the calls
under way. Run as root from the repository: `python3 bench/scripts/swap.py` (after `mvn install`).

What it measures, against a fresh daemon of a private copy of the distribution (own --root/--run/--plugins
under the work dir) and the demo image served by docker-registry on 127.0.0.1 (.ci/demo-image):

1. install-to-first-request: a second pull stage plugin (the distribution's pull plugin under another
   symbolic name, dev.berth.bench.pull, so it is a real, full-size plugin) is installed and then serves
   its first pull. Two ways, ITERATIONS times each:
     command: POST /v1/plugins/install {"file", "use": true}, then POST /v1/images/pull;
     file copy: the jar renamed into the plugins folder, GET /v1/plugins polled every 10 ms until it is
       active, POST /v1/plugins/use, then the pull.
   Anchor, in the same run: what an engine without hot swap needs to change a plugin, a daemon restart:
   SIGTERM, wait for the exit, start, wait until the API answers, the same pull.
2. added latency of calls under way during a swap: WORKERS threads each do `berth run --rm IMAGE true`
   through the CLI, RUNS_PER_PHASE runs per phase; first with nothing else happening (baseline), then while
   the spec stage plugin (every run uses it) is updated in place 0.5 s into the phase and then every
   SWAP_PERIOD seconds, alternating two builds that differ only in Bundle-Version. The runs whose time
   overlaps an update are the calls under way during a swap. Reported: median, p95 and max of the
   baseline, of the swap phase and of the overlapping runs; the worst added latency (max of the overlapping runs minus the baseline median, and
   minus the baseline p95); and whether every run succeeded. The engine's own measure comes with it: how
   many spec calls had to wait for the replacement during an update, and the longest wait
   (GET /v1/plugins, stages.spec.waitedForSwap) - the latency a swap adds, without this machine's noise.

Timings are taken over the Unix socket with Python's http.client (no CLI JVM start), except the runs in
part 2, which are what a user types. Output: a markdown summary on stdout; every sample in
$BERTH_BENCH_DIR/swap-<UTC time>.tsv; with BENCH_RESULTS set (bench/run sets it), every figure's samples as
JSON lines appended to that file (see common.sh).

Environment: ITERATIONS (default 10), WORKERS (2), RUNS_PER_PHASE (40), SWAP_PERIOD (2 s), BERTH_BENCH_DIR
(/var/tmp/berth-bench-swap), BERTH_DIST (launcher/target/berth), BERTH_BENCH_KEEP=1 keeps the scratch.
"""
import fcntl
import http.client
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import zipfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ITERATIONS = int(os.environ.get("ITERATIONS", "10"))
WORKERS = int(os.environ.get("WORKERS", "2"))
RUNS_PER_PHASE = int(os.environ.get("RUNS_PER_PHASE", "40"))
SWAP_PERIOD = float(os.environ.get("SWAP_PERIOD", "2"))
WORK = os.environ.get("BERTH_BENCH_DIR", "/var/tmp/berth-bench-swap")
DIST_SRC = os.environ.get("BERTH_DIST", os.path.join(REPO, "launcher", "target", "berth"))
KEEP = os.environ.get("BERTH_BENCH_KEEP", "0") == "1"
RESULTS = os.environ.get("BENCH_RESULTS")  # bench/run: one JSON object per figure, appended (see common.sh)


def emit(line):
    """Appends one result line for bench/run; nothing when BENCH_RESULTS is not set."""
    if RESULTS:
        with open(RESULTS, "a") as out:
            out.write(json.dumps(dict(bench="swap", **line)) + "\n")


def emit_samples(group, key, label, samples, command="", unit="ms"):
    emit(dict(group=group, key=key, label=label, unit=unit, better="lower", command=command,
              samples=[round(v, 3) for v in samples]))


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path, timeout=600):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Daemon:
    def __init__(self, work):
        self.root = os.path.join(work, "root")
        self.run = os.path.join(work, "run")
        self.plugins = os.path.join(work, "plugins")
        self.dist = os.path.join(work, "dist")
        self.sock = os.path.join(self.run, "berth.sock")
        self.process = None
        self.log = open(os.path.join(work, "daemon.log"), "ab")
        os.makedirs(self.plugins, exist_ok=True)

    def start(self):
        # The API answers before the plugin bundles have all started (the "berth daemon ready" line comes
        # after them): wait for the answer, then until the stages this benchmark calls have an implementation.
        self.process = subprocess.Popen([os.path.join(self.dist, "bin", "berth"), "daemon", "--root", self.root,
                                         "--run", self.run, "--plugins", self.plugins],
                                        stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status, text = self.call("GET", "/v1/plugins")
                if status == 200:
                    stages = json.loads(text).get("stages", {})
                    if all(stages.get(s, {}).get("active") for s in ("pull", "expand", "mount", "spec")):
                        return
            except (OSError, ValueError):
                pass
            if self.process.poll() is not None:
                raise SystemExit("swap.py: the daemon exited; see " + self.log.name)
            time.sleep(0.01)
        raise SystemExit("swap.py: the daemon did not serve its stages in 120 s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(120)

    def call(self, method, path, body=None):
        connection = UnixHTTP(self.sock)
        try:
            data = None if body is None else json.dumps(body)
            headers = {} if body is None else {"Content-Type": "application/json"}
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def ok(self, method, path, body=None):
        status, text = self.call(method, path, body)
        if status >= 300:
            raise SystemExit("swap.py: %s %s answered %d: %s" % (method, path, status, text))
        return text

    def pull(self, image, step=""):
        text = self.ok("POST", "/v1/images/pull", {"reference": image})
        last = [line for line in text.splitlines() if line.strip()][-1]
        if json.loads(last).get("status") != "done":
            stages = json.loads(self.ok("GET", "/v1/plugins")).get("stages", {})
            raise SystemExit("swap.py: pull did not finish%s: %s; pull stage now: %s" % (
                " (" + step + ")" if step else "", last, json.dumps(stages.get("pull"))))

    def serving(self, stage):
        plugins = json.loads(self.ok("GET", "/v1/plugins"))
        return plugins["stages"][stage].get("active", {}).get("plugin")

    def plugin(self, plugin_id):
        for plugin in json.loads(self.ok("GET", "/v1/plugins"))["plugins"]:
            if plugin["id"] == plugin_id and plugin["state"] != "uninstalled":
                return plugin
        return None


def rewrite_manifest(source, target, changes):
    """Copies a bundle jar, replacing whole manifest headers (name -> value); every other entry as it was."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "META-INF/MANIFEST.MF":
                text = data.decode("utf-8").replace("\r\n ", "")  # unfold continuation lines
                lines = []
                for line in text.split("\r\n"):
                    name = line.split(":", 1)[0]
                    lines.append("%s: %s" % (name, changes[name]) if name in changes else line)
                data = fold("\r\n".join(lines)).encode("utf-8")
            zout.writestr(item, data)
    return target


def fold(text):
    """Folds manifest lines at 72 bytes, as the jar format wants."""
    out = []
    for line in text.split("\r\n"):
        while len(line.encode()) > 72:
            out.append(line[:70])
            line = " " + line[70:]
        out.append(line)
    return "\r\n".join(out)


def jar_of(dist, symbolic_name):
    folder = os.path.join(dist, "bundles")
    for name in sorted(os.listdir(folder)):
        with zipfile.ZipFile(os.path.join(folder, name)) as z:
            manifest = z.read("META-INF/MANIFEST.MF").decode().replace("\r\n ", "")
            for line in manifest.split("\r\n"):
                if line.startswith("Bundle-SymbolicName:") and line.split(":", 1)[1].split(";")[0].strip() == symbolic_name:
                    return os.path.join(folder, name)
    raise SystemExit("swap.py: no %s in %s" % (symbolic_name, folder))


def median(samples):
    return statistics.median(samples) if samples else float("nan")


def p95(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else float("nan")


def main():
    if os.geteuid() != 0:
        raise SystemExit("swap.py: run as root")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    lock = open(WORK.rstrip("/") + ".lock", "w")  # next to the work dir, which is removed and made again
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise SystemExit("swap.py: another swap.py is using " + WORK)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    demo = os.path.join(WORK, "demo")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(["bash", os.path.join(REPO, ".ci", "demo-image")], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, BERTH_DEMO_DIR=demo, BERTH_REGISTRY_PORT=str(port)))
    image = "127.0.0.1:%d/busybox:latest" % port
    daemon = Daemon(WORK)
    shutil.copytree(DIST_SRC, daemon.dist, symlinks=True)
    samples = []
    try:
        daemon.start()
        daemon.pull(image, "the first pull")
        jars = os.path.join(WORK, "jars")
        os.makedirs(jars)
        bench_pull = rewrite_manifest(jar_of(daemon.dist, "dev.berth.plugin.pull"), os.path.join(jars, "bench-pull.jar"),
                                      {"Bundle-SymbolicName": "dev.berth.bench.pull", "Bundle-Version": "1.0.0"})
        spec = jar_of(daemon.dist, "dev.berth.plugin.spec")
        spec_builds = [rewrite_manifest(spec, os.path.join(jars, "spec-%s.jar" % v), {"Bundle-Version": "0.9.%s" % v})
                       for v in ("1", "2")]

        # 1. install to first request
        install = {"command": [], "file copy": [], "daemon restart (anchor)": []}
        for i in range(ITERATIONS):
            t0 = time.monotonic()
            daemon.ok("POST", "/v1/plugins/install", {"file": bench_pull, "use": True})
            daemon.pull(image, "right after install --use, iteration %d" % i)
            install["command"].append((time.monotonic() - t0) * 1000)
            assert daemon.serving("pull") == "dev.berth.bench.pull"
            daemon.ok("POST", "/v1/plugins/use", {"id": "dev.berth.plugin.pull"})
            daemon.ok("POST", "/v1/plugins/remove", {"id": "dev.berth.bench.pull"})

            target = os.path.join(daemon.plugins, "dev.berth.bench.pull.jar")
            part = os.path.join(daemon.plugins, ".bench.part")
            shutil.copyfile(bench_pull, part)
            t0 = time.monotonic()
            os.rename(part, target)
            while True:
                plugin = daemon.plugin("dev.berth.bench.pull")
                if plugin and plugin["state"] == "active" and plugin["provides"]:
                    break
                time.sleep(0.01)
            daemon.ok("POST", "/v1/plugins/use", {"id": "dev.berth.bench.pull"})
            daemon.pull(image, "after a file copy and use, iteration %d" % i)
            install["file copy"].append((time.monotonic() - t0) * 1000)
            daemon.ok("POST", "/v1/plugins/use", {"id": "dev.berth.plugin.pull"})
            daemon.ok("POST", "/v1/plugins/remove", {"id": "dev.berth.bench.pull"})
        for i in range(min(3, ITERATIONS)):
            t0 = time.monotonic()
            daemon.stop()
            daemon.start()
            daemon.pull(image, "after a daemon restart")
            install["daemon restart (anchor)"].append((time.monotonic() - t0) * 1000)
        for way, values in install.items():
            samples += [("install", way, i, v) for i, v in enumerate(values)]

        # 2. latency of runs under way during swaps
        berth = [os.path.join(daemon.dist, "bin", "berth"), "-H", "unix://" + daemon.sock]

        def phase(name, swapping):
            runs, failures, updates = [], [], []
            lock = threading.Lock()
            stop = threading.Event()

            def worker():
                for _ in range(RUNS_PER_PHASE // WORKERS):
                    t0 = time.monotonic()
                    result = subprocess.run(berth + ["run", "--rm", image, "true"], capture_output=True, text=True)
                    t1 = time.monotonic()
                    with lock:
                        runs.append((t0, t1))
                        if result.returncode != 0:
                            failures.append(result.stderr.strip())

            def swapper():
                # The first update half a second in (runs are under way by then), then one every SWAP_PERIOD:
                # a quick-mode phase can end within one period, and then it measured no update at all.
                n = 0
                while not stop.wait(min(SWAP_PERIOD, 0.5) if n == 0 else SWAP_PERIOD):
                    t0 = time.monotonic()
                    daemon.ok("POST", "/v1/plugins/update", {"id": "dev.berth.plugin.spec", "file": spec_builds[n % 2]})
                    updates.append((t0, time.monotonic()))
                    n += 1

            threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
            swap_thread = threading.Thread(target=swapper) if swapping else None
            if swap_thread:
                swap_thread.start()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            stop.set()
            if swap_thread:
                swap_thread.join()
            latencies = [(t1 - t0) * 1000 for t0, t1 in runs]
            overlapping = [(t1 - t0) * 1000 for t0, t1 in runs if any(u0 < t1 and t0 < u1 for u0, u1 in updates)]
            update_ms = [(u1 - u0) * 1000 for u0, u1 in updates]
            samples.extend(("run", name, i, v) for i, v in enumerate(latencies))
            samples.extend(("run overlapping an update", name, i, v) for i, v in enumerate(overlapping))
            samples.extend(("update", name, i, v) for i, v in enumerate(update_ms))
            return latencies, failures, update_ms, overlapping

        for _ in range(WORKERS):  # warm-up
            subprocess.run(berth + ["run", "--rm", image, "true"], capture_output=True)
        base, base_fail, _, _ = phase("baseline", False)
        swap, swap_fail, updates, overlapping = phase("during swaps", True)

        with open(os.path.join(WORK, "swap-%s.tsv" % stamp), "w") as out:
            for row in samples:
                out.write("%s\t%s\t%d\t%.1f\n" % row)
        print("## Hot swap (%s, %d iterations, %d workers x %d runs per phase, an update every %.1f s)" % (
            stamp, ITERATIONS, WORKERS, RUNS_PER_PHASE // WORKERS, SWAP_PERIOD))
        print()
        print("| install to first served request | median ms | min | max |")
        print("|---|---:|---:|---:|")
        for way, values in install.items():
            print("| %s | %.0f | %.0f | %.0f |" % (way, median(values), min(values), max(values)))
        print()
        print("| `berth run --rm` | runs | failed | median ms | p95 | max |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, values, failed in (("baseline", base, base_fail), ("swap phase, all", swap, swap_fail),
                                     ("swap phase, overlapping an update", overlapping, [])):
            print("| %s | %d | %d | %.0f | %.0f | %.0f |" % (name, len(values), len(failed), median(values),
                                                            p95(values), max(values) if values else float("nan")))
        print()
        print("spec plugin updates: %d, median %.0f ms, max %.0f ms" % (
            len(updates), median(updates), max(updates) if updates else float("nan")))
        waited = json.loads(daemon.ok("GET", "/v1/plugins"))["stages"]["spec"]["waitedForSwap"]
        print("engine: %d spec calls waited for the replacement build, the longest %.1f ms" % (
            waited["calls"], waited["longestMs"]))
        if overlapping:
            print("worst added latency of a run under way during an update: %.0f ms over the baseline median, "
                  "%.0f ms over the baseline p95; median added: %.0f ms" % (
                      max(overlapping) - median(base), max(overlapping) - p95(base),
                      median(overlapping) - median(base)))
        emit_samples("install", "command", "berth plugin install --use + first pull", install["command"],
                     'POST /v1/plugins/install {"file", "use": true}; POST /v1/images/pull')
        emit_samples("install", "file-copy", "jar copied into plugins/ + use + first pull", install["file copy"],
                     "rename into plugins/; poll GET /v1/plugins; POST /v1/plugins/use; POST /v1/images/pull")
        emit_samples("install", "restart", "daemon restart + first pull (anchor)", install["daemon restart (anchor)"],
                     "SIGTERM; wait; berth daemon ...; GET /v1/plugins until pull, expand, mount and spec are served; POST /v1/images/pull")
        run_cmd = " ".join(berth + ["run", "--rm", image, "true"])
        emit_samples("runs", "baseline", "berth run --rm, baseline (anchor)", base, run_cmd)
        emit_samples("runs", "swap-all", "berth run --rm, swap phase, all runs", swap, run_cmd)
        emit_samples("runs", "overlapping", "berth run --rm, runs overlapping an update", overlapping, run_cmd)
        emit_samples("runs", "update", "POST /v1/plugins/update of the spec plugin", updates,
                     'POST /v1/plugins/update {"id": "dev.berth.plugin.spec", "file": ...}')
        if overlapping:
            emit_samples("added", "worst-added", "worst run overlapping an update minus the baseline median",
                         [max(overlapping) - median(base)])
            emit_samples("added", "worst-added-p95", "worst run overlapping an update minus the baseline p95",
                         [max(overlapping) - p95(base)])
        emit_samples("added", "engine-wait", "engine: longest wait of a spec call for the replacement build",
                     [waited["longestMs"]])
        emit(dict(group="runs", note="%d workers x %d runs per phase, an update every %.1f s; %d failed runs; "
                  "%d spec calls waited for a replacement build" % (WORKERS, RUNS_PER_PHASE // WORKERS, SWAP_PERIOD,
                                                                   len(base_fail) + len(swap_fail), waited["calls"])))
        print("ratio install (command) / daemon restart: %.2f" % (
            median(install["command"]) / median(install["daemon restart (anchor)"])))
        for failure in (base_fail + swap_fail)[:5]:
            print("failure: " + failure)
        if base_fail or swap_fail:
            sys.exit(1)
    finally:
        daemon.stop()
        pid_file = os.path.join(demo, "registry.pid")
        if os.path.exists(pid_file):
            try:
                os.kill(int(open(pid_file).read().strip()), signal.SIGTERM)
            except (OSError, ValueError):
                pass
        if not KEEP:
            shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
