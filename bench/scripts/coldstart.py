#!/usr/bin/env python3
"""Cold start of the Berth daemon against podman's, ROUNDS rounds, for bench/scripts/daemon.sh.

Every round starts each contender as a new process on a fresh, empty state folder (nothing from an
earlier round), times it from just before the exec until it is ready, then stops it (SIGTERM, wait) and
removes its folders. The contenders take turns, and the order flips every round so that drifting noise
hits both alike. One untimed warm-up round comes first (the page cache then holds the distribution's jars
and podman's binary for every timed round, as it would on a host that just installed them: "cold" here
means a new process on a new state root, not a cold disk cache).

  berth-ready    `berth daemon --root R --run D --plugins P` until its "berth daemon ready" line on stdout
                 (the issue's definition: every built-in bundle started, the event log opened, the
                 projections rebuilt, the API answering).
  berth-api      the same start, until GET /_ping on D/berth.sock answers 200 (polled every 5 ms): the
                 same measure as podman's below.
  podman-service `podman --root R --runroot RR --tmpdir T system service --time=0 unix://S` until GET /_ping
                 on S answers 200. The anchor: a long-running engine service started on an empty store,
                 until its API answers. podman builds its runtime (storage, runtime and network set-up)
                 before it listens, so its /_ping answers from an initialised engine.
  podman-info    `podman --root R --runroot RR --tmpdir T info` on an empty store, the whole command: what a
                 daemonless engine pays to initialise itself and answer one question (a reference).

Also recorded: the resident set (VmRSS of the process) of each service at the moment it became ready.

Usage: coldstart.py --rounds N --work DIR --berth DIST [--podman-conf FILE] [--tsv FILE]
With BENCH_RESULTS set, the samples are appended to it as JSON lines (bench "daemon"; see common.sh).
"""
import argparse
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


def ping(path):
    """True if GET /_ping on the Unix socket path answers 200."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        s.sendall(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
        head = s.recv(64)
        return head.startswith(b"HTTP/1.") and head[9:12] == b"200"
    except OSError:
        return False
    finally:
        s.close()


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def mounts_under(path):
    prefix = path.rstrip("/") + "/"
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f if line.split()[4].startswith(prefix)]
    return sorted(points, reverse=True)


def remove(path):
    """Unmounts whatever podman left mounted below path (its storage's private bind mount), then removes it."""
    for point in mounts_under(path):
        if subprocess.run(["umount", point], stderr=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["umount", "-l", point], stderr=subprocess.DEVNULL)
    if mounts_under(path):
        raise SystemExit("coldstart.py: mounts remain under %s: %s" % (path, mounts_under(path)))
    shutil.rmtree(path, ignore_errors=True)


def stop(process, timeout=120):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Run:
    def __init__(self, args):
        self.args = args
        self.samples = {k: [] for k in ("berth-ready", "berth-api", "podman-service", "podman-info")}
        self.rss = {"berth": [], "podman": []}
        self.env = dict(os.environ)
        if args.podman_conf:
            self.env["CONTAINERS_CONF"] = args.podman_conf
        self.live = None  # the process a failure must stop

    def berth(self, folder, timed):
        os.makedirs(folder)
        run = os.path.join(folder, "run")
        sock = os.path.join(run, "berth.sock")
        log = open(os.path.join(self.args.work, "berth-daemon.log"), "ab")
        command = [os.path.join(self.args.berth, "bin", "berth"), "daemon", "--root", os.path.join(folder, "root"),
                   "--run", run, "--plugins", os.path.join(folder, "plugins")]
        ready = {}
        t0 = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        self.live = process

        def read():
            for line in process.stdout:
                if line.startswith(b"berth daemon ready") and "t" not in ready:
                    ready["t"] = time.monotonic()
                log.write(line)
                log.flush()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        api = None
        deadline = t0 + 600
        while api is None or "t" not in ready:
            if api is None and ping(sock):
                api = time.monotonic()
            if process.poll() is not None and "t" not in ready:
                raise SystemExit("coldstart.py: the Berth daemon exited with %s before it was ready (log: %s)"
                                 % (process.returncode, log.name))
            if time.monotonic() > deadline:
                raise SystemExit("coldstart.py: the Berth daemon was not ready after 600 s")
            time.sleep(0.005)
        rss = rss_kib(process.pid)
        stop(process)
        reader.join(10)
        self.live = None
        log.close()
        remove(folder)
        if timed:
            self.samples["berth-ready"].append((ready["t"] - t0) * 1000)
            self.samples["berth-api"].append((api - t0) * 1000)
            if rss is not None:
                self.rss["berth"].append(rss / 1024)
        return (ready["t"] - t0) * 1000, (api - t0) * 1000

    def podman_flags(self, folder):
        return ["podman", "--root", os.path.join(folder, "root"), "--runroot", os.path.join(folder, "rr"),
                "--tmpdir", os.path.join(folder, "tmp")]

    def podman_service(self, folder, timed):
        os.makedirs(folder)
        sock = os.path.join(folder, "podman.sock")
        log = open(os.path.join(self.args.work, "podman-service.log"), "ab")
        command = self.podman_flags(folder) + ["system", "service", "--time=0", "unix://" + sock]
        t0 = time.monotonic()
        process = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=self.env)
        self.live = process
        deadline = t0 + 600
        while not ping(sock):
            if process.poll() is not None:
                raise SystemExit("coldstart.py: podman system service exited with %s (log: %s)" % (process.returncode, log.name))
            if time.monotonic() > deadline:
                raise SystemExit("coldstart.py: podman system service did not answer after 600 s")
            time.sleep(0.005)
        api = time.monotonic()
        rss = rss_kib(process.pid)
        stop(process)
        self.live = None
        log.close()
        remove(folder)
        if timed:
            self.samples["podman-service"].append((api - t0) * 1000)
            if rss is not None:
                self.rss["podman"].append(rss / 1024)
        return (api - t0) * 1000

    def podman_info(self, folder, timed):
        os.makedirs(folder)
        t0 = time.monotonic()
        result = subprocess.run(self.podman_flags(folder) + ["info"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=self.env)
        ms = (time.monotonic() - t0) * 1000
        remove(folder)
        if result.returncode != 0:
            raise SystemExit("coldstart.py: podman info failed: " + result.stderr.decode(errors="replace")[-400:])
        if timed:
            self.samples["podman-info"].append(ms)
        return ms

    def main(self):
        work = self.args.work
        os.makedirs(work, exist_ok=True)
        tsv = open(self.args.tsv, "w") if self.args.tsv else None
        if tsv:
            tsv.write("round\tcontender\tms\n")
        for r in range(self.args.rounds + 1):
            timed = r > 0
            order = ["berth", "podman-service", "podman-info"]
            if r % 2 == 0:
                order.reverse()
            line = []
            load = open("/proc/loadavg").read().split()[:3]
            for contender in order:
                # Short names: podman refuses a runroot path longer than 50 characters.
                folder = os.path.join(work, "%s%d" % ({"berth": "b", "podman-service": "s", "podman-info": "i"}[contender], r))
                if contender == "berth":
                    ready, api = self.berth(folder, timed)
                    line.append("berth ready %.0f ms (API %.0f ms)" % (ready, api))
                    rows = [("berth-ready", ready), ("berth-api", api)]
                elif contender == "podman-service":
                    api = self.podman_service(folder, timed)
                    line.append("podman service API %.0f ms" % api)
                    rows = [("podman-service", api)]
                else:
                    ms = self.podman_info(folder, timed)
                    line.append("podman info %.0f ms" % ms)
                    rows = [("podman-info", ms)]
                if tsv and timed:
                    for key, ms in rows:
                        tsv.write("%d\t%s\t%.1f\n" % (r, key, ms))
            print("  %s: %s  (load average before: %s)" % ("round %d" % r if timed else "warm-up", "; ".join(line),
                                                         " ".join(load)), flush=True)
        if tsv:
            tsv.close()
        self.emit()

    def emit(self):
        results = os.environ.get("BENCH_RESULTS")
        berth = os.path.join(self.args.berth, "bin", "berth")
        w = self.args.work
        daemon = "%s daemon --root %s/bN/root --run %s/bN/run --plugins %s/bN/plugins" % (berth, w, w, w)
        service = "podman --root {0}/sN/root --runroot {0}/sN/rr --tmpdir {0}/sN/tmp system service --time=0 unix://{0}/sN/podman.sock".format(w)
        info = "podman --root {0}/iN/root --runroot {0}/iN/rr --tmpdir {0}/iN/tmp info".format(w)
        commands = {
            "berth-ready": ("berth daemon: exec to its \"berth daemon ready\" line", daemon),
            "berth-api": ("berth daemon: exec to GET /_ping answered", daemon),
            "podman-service": ("podman system service: exec to GET /_ping answered (anchor)", service),
            "podman-info": ("podman info on an empty store, whole command (reference)", info),
        }
        lines = []
        for key, samples in self.samples.items():
            label, command = commands[key]
            lines.append(dict(bench="daemon", group="cold", key=key, label=label, unit="ms", better="lower",
                              command=command, samples=[round(v, 1) for v in samples]))
        lines.append(dict(bench="daemon", group="rss", key="berth-at-ready",
                          label="berth daemon, at its ready line (cold-start rounds)", unit="MiB", better="lower",
                          command=daemon, samples=[round(v, 1) for v in self.rss["berth"]]))
        lines.append(dict(bench="daemon", group="rss", key="podman-at-ready",
                          label="podman system service, when its API first answered (cold-start rounds)", unit="MiB",
                          better="lower", command=service, samples=[round(v, 1) for v in self.rss["podman"]]))
        for key, samples in self.samples.items():
            if samples:
                print("  %-15s median %7.0f ms, min %7.0f ms (%d rounds)" % (key, statistics.median(samples), min(samples), len(samples)))
        if results:
            with open(results, "a") as out:
                for line in lines:
                    out.write(json.dumps(line) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--work", required=True)
    parser.add_argument("--berth", required=True, help="the Berth distribution (its bin/berth is started)")
    parser.add_argument("--podman-conf", help="a containers.conf for podman (CONTAINERS_CONF)")
    parser.add_argument("--tsv", help="every sample as round, contender, ms")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("coldstart.py: run as root")
    run = Run(args)
    try:
        run.main()
    finally:
        if run.live is not None:
            stop(run.live, 30)
        for name in os.listdir(args.work) if os.path.isdir(args.work) else []:
            path = os.path.join(args.work, name)
            if os.path.isdir(path):
                remove(path)


if __name__ == "__main__":
    sys.exit(main())
