#!/usr/bin/env bash
# Two Berth distributions side by side: `berth run --rm busybox true` alternating between a daemon of each,
# for judging one change on a shared, noisy machine (run.sh compares Berth with its anchors instead).
#
# Builds and serves the demo busybox image (.ci/demo-image, 127.0.0.1, free port), starts a fresh daemon of
# each distribution (own --root/--run/--plugins under the work dir), pulls the image into each and makes
# WARMUP untimed runs per runtime. Then ROUNDS rounds: in each, every contender (base and new, with runc and
# with crun when crun can run here) runs once, the order reversed every other round so that drifting load
# hits both alike. Each run is timed from the exec of `bin/berth` to its exit (python3's perf_counter).
#
# Usage (as root): BASE_DIST=/path/to/old/berth bench/scripts/compare-run.sh
# Environment:
#   BASE_DIST         the distribution to compare against (required), e.g. a copy of launcher/target/berth
#                     made before the change
#   BERTH_DIST        the new distribution (default: launcher/target/berth of this checkout)
#   ROUNDS            rounds (default 40); WARMUP untimed runs per daemon and runtime (default 5)
#   BERTH_BENCH_DIR   work dir (default /var/tmp/berth-bench-compare); scratch removed at the end
#   BERTH_BENCH_KEEP  1 to keep the scratch
# Output: a table of medians and minima with the ratio new / base per runtime; the samples in
#   $BERTH_BENCH_DIR/compare-<UTC time>.tsv.
# Needs: docker-registry, skopeo, busybox-static, python3, flock.
set -euo pipefail

bench_name=compare-run.sh
# shellcheck source=bench/scripts/common.sh
. "$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
rounds=${ROUNDS:-40}
warmup=${WARMUP:-5}

bench_compare_checks "$@"
bench_positive ROUNDS "$rounds"
bench_number WARMUP "$warmup"
bench_workdir /var/tmp/berth-bench-compare
logs=$work/logs
mkdir -p "$logs"
base_pid=""

bench_cleanup_hook() {
  if [ -n "$base_pid" ]; then stop_pid "$base_pid" 120; base_pid=""; fi
}
bench_traps
bench_no_mounts
bench_demo_image

# Each daemon from a private copy: base first (its pid kept aside), then new.
declare -A socket
for side in base new; do
  if [ "$side" = base ]; then dist_src=$BASE_DIST; fi
  if [ "$side" = new ]; then dist_src=${BERTH_DIST:-$repo/launcher/target/berth}; fi
  bench_copy_dist
  mv "$dist" "$work/dist-$side"
  dist=$work/dist-$side
  bench_scratch+=("$dist" "$work/$side")
  if ! bench_start_daemon "$work/$side/root" "$work/$side/run" "$work/$side/plugins" "$logs/daemon-$side.log"; then
    bench_die "the $side daemon did not get ready: $(tail -n 5 "$logs/daemon-$side.log")"
  fi
  if [ "$side" = base ]; then base_pid=$daemon_pid; daemon_pid=""; fi
  socket[$side]=unix://$work/$side/run/berth.sock
  BERTH_HOST=${socket[$side]} "$dist/bin/berth" pull "$ref" >"$logs/pull-$side.log" 2>&1 \
    || bench_die "$side: pull failed: $(tail -n 3 "$logs/pull-$side.log")"
done

runtimes=(runc)
if BERTH_HOST=${socket[new]} "$work/dist-new/bin/berth" run --rm --runtime crun "$ref" true >"$logs/crun-probe.log" 2>&1; then
  runtimes+=(crun)
else
  note "crun left out: $(tail -n 1 "$logs/crun-probe.log")"
fi

tsv=$work/compare-$(date -u +%Y%m%dT%H%M%SZ).tsv
echo "comparing: base $BASE_DIST, new ${BERTH_DIST:-$repo/launcher/target/berth}; $rounds rounds, load average $(loadavg)"
python3 - "$rounds" "$warmup" "$ref" "$tsv" "$work" "${socket[base]}" "${socket[new]}" "${runtimes[@]}" <<'PY'
import os, statistics, subprocess, sys, time
rounds, warmup, ref, tsv, work, base_sock, new_sock = int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:8]
runtimes = sys.argv[8:]
contenders = [(side, rt) for rt in runtimes for side in ("base", "new")]
sockets = {"base": base_sock, "new": new_sock}

def run(side, rt):
    env = dict(os.environ, BERTH_HOST=sockets[side])
    start = time.perf_counter()
    done = subprocess.run([os.path.join(work, "dist-" + side, "bin", "berth"), "run", "--rm", "--runtime", rt, ref,
                           "true"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit("compare-run.sh: %s %s failed (exit %d): %s" % (side, rt, done.returncode,
                                                                         done.stderr.decode()[-300:]))
    return elapsed

for side, rt in contenders:
    for _ in range(warmup):
        run(side, rt)
samples = {c: [] for c in contenders}
with open(tsv, "w") as out:
    out.write("round\tside\truntime\tms\n")
    for r in range(rounds):
        for side, rt in (contenders if r % 2 == 0 else contenders[::-1]):
            ms = run(side, rt)
            samples[(side, rt)].append(ms)
            out.write("%d\t%s\t%s\t%.1f\n" % (r, side, rt, ms))
print()
print("| runtime | base median ms | new median ms | base min | new min | new / base (medians) |")
print("|---|---:|---:|---:|---:|---:|")
for rt in runtimes:
    b, n = samples[("base", rt)], samples[("new", rt)]
    print("| %s | %.1f | %.1f | %.1f | %.1f | %.2f |" % (rt, statistics.median(b), statistics.median(n), min(b),
                                                       min(n), statistics.median(n) / statistics.median(b)))
print()
print("samples: " + tsv)
PY
echo "load average after: $(loadavg)"
