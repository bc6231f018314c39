#!/usr/bin/env bash
# Two Berth distributions side by side on what a fresh daemon costs: time to its ready line, its resident set
# then, its first command (`berth ps`), its first pull (the demo busybox image) and its resident set once that
# settled. For judging one change to the daemon's start on a shared, noisy machine (daemon.sh compares Berth
# with podman instead).
#
# Each round starts a daemon of each distribution on a fresh, empty state root (the order reversed every other
# round so that drifting load hits both alike), measures, and stops it. The distributions run IN PLACE, not
# copied: a build before 2026-11-30 recorded the absolute paths of its jars in lib/daemon.jsa (the daemon's
# class-data archive), and a copy of it starts without the archive. So build the base in a folder of its own, e.g.
#   git worktree add /tmp/berth-base <commit> && (cd /tmp/berth-base && mvn -B -q -ntp -o package -pl launcher -am -DskipTests)
#   BASE_DIST=/tmp/berth-base/launcher/target/berth bench/scripts/compare-start.sh
#
# Environment:
#   BASE_DIST         the distribution to compare against (required)
#   BERTH_DIST        the new distribution (default: launcher/target/berth of this checkout)
#   ROUNDS            rounds (default 6); SETTLE seconds after the pull before the second RSS sample (default 8)
#   BERTH_BENCH_DIR   work dir (default /var/tmp/berth-bench-compare-start); scratch removed at the end
#   BERTH_BENCH_KEEP  1 to keep the scratch
# Output: a table of medians and minima with the ratio new / base; the samples in
#   $BERTH_BENCH_DIR/compare-start-<UTC time>.tsv.
# Needs: docker-registry, skopeo, busybox-static, python3, flock.
set -euo pipefail

bench_name=compare-start.sh
# shellcheck source=bench/scripts/common.sh
. "$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
rounds=${ROUNDS:-6}
settle=${SETTLE:-8}

bench_compare_checks "$@"
bench_positive ROUNDS "$rounds"
bench_number SETTLE "$settle"
bench_workdir /var/tmp/berth-bench-compare-start
logs=$work/logs
mkdir -p "$logs"
bench_scratch+=("$work/daemon")
bench_traps
bench_no_mounts
bench_demo_image

tsv=$work/compare-start-$(date -u +%Y%m%dT%H%M%SZ).tsv
echo "comparing: base $BASE_DIST, new $dist_src; $rounds rounds, image $ref, load average $(loadavg)"
python3 - "$rounds" "$settle" "$ref" "$tsv" "$work/daemon" "$BASE_DIST" "$dist_src" <<'PY'
import os, shutil, signal, statistics, subprocess, sys, time
rounds, settle, ref, tsv, scratch, base, new = int(sys.argv[1]), float(sys.argv[2]), *sys.argv[3:8]
dists = {"base": base, "new": new}
figures = ["ready_ms", "rss_ready_mib", "first_ps_ms", "first_pull_ms", "rss_settled_mib"]

def rss_mib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

def timed(args, env):
    start = time.perf_counter()
    done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit("compare-start.sh: %s failed (exit %d): %s" % (" ".join(args), done.returncode,
                                                                       done.stderr.decode()[-300:]))
    return (time.perf_counter() - start) * 1000

def one(side):
    shutil.rmtree(scratch, ignore_errors=True)
    for d in ("run", "plugins"):
        os.makedirs(os.path.join(scratch, d))
    berth = os.path.join(dists[side], "bin", "berth")
    env = dict(os.environ, BERTH_HOST="unix://" + os.path.join(scratch, "run", "berth.sock"))
    env.pop("BERTH_DAEMON_OPTS", None)
    start = time.perf_counter()
    daemon = subprocess.Popen([berth, "daemon", "--root", os.path.join(scratch, "root"), "--run",
                               os.path.join(scratch, "run"), "--plugins", os.path.join(scratch, "plugins")],
                              stdout=subprocess.PIPE, stderr=open(os.path.join(scratch, "daemon.err"), "w"))
    line = daemon.stdout.readline().decode()
    ready = (time.perf_counter() - start) * 1000
    try:
        if not line.startswith("berth daemon ready"):
            raise SystemExit("compare-start.sh: the %s daemon did not get ready: %s" % (side, line))
        row = {"ready_ms": ready, "rss_ready_mib": rss_mib(daemon.pid)}
        row["first_ps_ms"] = timed([berth, "ps"], env)
        row["first_pull_ms"] = timed([berth, "pull", ref], env)
        time.sleep(settle)
        row["rss_settled_mib"] = rss_mib(daemon.pid)
        return row
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(120)

samples = {(side, f): [] for side in dists for f in figures}
with open(tsv, "w") as out:
    out.write("round\tside\t" + "\t".join(figures) + "\n")
    for r in range(rounds):
        for side in (("base", "new") if r % 2 == 0 else ("new", "base")):
            row = one(side)
            for f in figures:
                samples[(side, f)].append(row[f])
            out.write("%d\t%s\t%s\n" % (r, side, "\t".join("%.1f" % row[f] for f in figures)))
            out.flush()
shutil.rmtree(scratch, ignore_errors=True)
print()
print("| figure | base median | new median | base min | new min | new / base (medians) |")
print("|---|---:|---:|---:|---:|---:|")
for f in figures:
    b, n = samples[("base", f)], samples[("new", f)]
    print("| %s | %.1f | %.1f | %.1f | %.1f | %.2f |" % (f, statistics.median(b), statistics.median(n), min(b), min(n),
                                                       statistics.median(n) / statistics.median(b)))
print()
print("samples: " + tsv)
PY
echo "load average after: $(loadavg)"
