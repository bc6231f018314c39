#!/usr/bin/env bash
# Run benchmark: `berth run --rm busybox true` against its anchors, side by side in ONE hyperfine run.
#
# Builds Berth's demo busybox image with the repo's own .ci/demo-image and serves it from a
# docker-registry on 127.0.0.1 (free port). Every contender then runs `true` in that same image
# content, and hyperfine times all of them in one invocation (-N: no shell in between; each command
# gets its own --warmup 3 runs, then RUNS timed runs; the commands run one after another):
#   berth-runc    : `berth -H unix://RUN/berth.sock run --rm IMAGE true` (runtime runc, Berth's default)
#   berth-crun    : `berth ... run --rm --runtime crun IMAGE true` (only when crun can run here)
#                   Berth: a private copy of the distribution, a fresh daemon (own --root/--run/
#                   --plugins under the work dir), the image pulled once and WARMUP `run`s, all untimed.
#   podman        : `podman --runtime runc run --rm IMAGE true` (the image pulled once, untimed)
#   podman-netnone: the same with `--network none`. Berth gives a container a new network namespace
#                   with loopback only, so this is the like-for-like anchor; the default line also pays
#                   podman's bridge set-up (netavark). Both are reported.
#   runc, crun    : the bare runtimes on a prepared bundle (rootfs = the demo image's root filesystem,
#                   `runc spec` with args ["true"], terminal false): `runc run --bundle B ID`. A fixed
#                   ID per runtime is reused: a foreground `run` deletes its container on exit.
#   runc-steps, crun-steps: the same bundle through scripts/runtime-steps.sh: `create`, `start`, `delete
#                   --force` as three commands, as an engine that keeps create and start apart drives the
#                   runtime (a reference: what the runtime's own command line takes of an engine's overhead)
# Before the timed run every contender is tried once; one that fails is left out with its error
# printed, and the others are still measured. Should hyperfine itself fail on a Berth line, it is run
# again without the Berth lines.
#
# Usage (as root): bench/scripts/run.sh [--no-berth]
#   --no-berth   leave Berth out (e.g. while `berth run` does not exist yet); without it, Berth is left
#                out automatically, with the reason printed, if its daemon, pull or run fails
# Environment:
#   RUNS                     timed runs per contender (default 30); hyperfine also warms up 3 each
#   WARMUP                   untimed `berth run`s after the pull, before hyperfine (default 5)
#   BERTH_BENCH_DIR          work dir (default /var/tmp/berth-bench-run); scratch is removed at the end
#   BERTH_DIST               Berth distribution (default: launcher/target/berth of this checkout); copied
#                            into the work dir first so a concurrent rebuild cannot change it mid-run
#   PODMAN_RUNTIME           runtime for the podman lines (default runc, as Berth's default; podman's own
#                            default here is crun, which needs the cgroup fix below)
#   PODMAN_ULIMITS           ulimit flags for podman if its defaults fail (default "--ulimit
#                            nofile=1024:1024 --ulimit nproc=4096:4096"): podman asks for RLIMIT_NOFILE
#                            1048576, which root cannot set here (no CAP_SYS_RESOURCE in the bounding set)
#   BERTH_BENCH_FIX_CGROUPS  1 to let the script mount the hugetlb hierarchy as cgroup v1 on a hybrid
#                            host (crun 1.8.1 refuses every container while cgroup2 holds a controller).
#                            The mount is LEFT IN PLACE (host-wide; `umount /sys/fs/cgroup/hugetlb` undoes
#                            it while no hugetlb cgroups exist). Without it, the crun lines are skipped.
#   BERTH_BENCH_KEEP         1 to keep the scratch (daemon root, bundle, demo image) for inspection
# Output: hyperfine's report, then a markdown table and ratios on stdout (for docs/benchmarks.md);
#   every sample in $BERTH_BENCH_DIR/results-<UTC time>.tsv (contender, run, ms, exit code), hyperfine's
#   JSON next to it (hyperfine-<UTC time>.json), logs of the last run in $BERTH_BENCH_DIR/logs/; with
#   BENCH_RESULTS set (bench/run sets it), every contender's samples as JSON lines in that file (common.sh).
# Needs: hyperfine (>= 1.13 for -N), podman, runc, crun, docker-registry, skopeo, busybox-static, jq,
#   curl, python3 (util-linux: flock, mountpoint).
set -euo pipefail

bench_name=run.sh
# shellcheck source=bench/scripts/common.sh
. "$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
runs=${RUNS:-30}
warmup=${WARMUP:-5}
podman_runtime=${PODMAN_RUNTIME:-runc}
podman_ulimits=${PODMAN_ULIMITS:---ulimit nofile=1024:1024 --ulimit nproc=4096:4096}
fix_cgroups=${BERTH_BENCH_FIX_CGROUPS:-0}
use_berth=1

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
for arg in "$@"; do
  case $arg in
    --no-berth) use_berth=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

bench_require_root
bench_positive RUNS "$runs"
bench_number WARMUP "$warmup"
bench_require_tools podman runc docker-registry skopeo jq curl python3 mountpoint flock
[ -x /bin/busybox ] || bench_die "/bin/busybox is missing (apt-get install -y busybox-static)"
bench_require_hyperfine
bench_workdir /var/tmp/berth-bench-run

# Scratch paths (all removed at the end unless BERTH_BENCH_KEEP=1); results and logs stay.
bundle=$work/bundle
broot=$work/root
brun=$work/run
bplugins=$work/plugins
sock=$brun/berth.sock
bench_scratch+=("$bundle" "$broot" "$brun" "$bplugins")

stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$work/results-$stamp.tsv
json=$work/hyperfine-$stamp.json
runc_id=berth-bench-runc-$$
crun_id=berth-bench-crun-$$
podman_ref=""   # set once podman has pulled the image: the cleanup removes it

bench_cleanup_hook() { # what only this script leaves: podman's copy of the image, runtime containers
  local id
  if [ -n "$daemon_pid" ]; then stop_pid "$daemon_pid"; daemon_pid=""; fi
  if [ -n "$podman_ref" ]; then
    for id in $(podman ps -a -q --filter "ancestor=$podman_ref" 2>/dev/null); do
      note "run.sh: removing stray podman container $id"; podman rm -f "$id" >/dev/null 2>&1
    done
    podman rmi -f "$podman_ref" >/dev/null 2>&1 || note "run.sh: could not remove podman image $podman_ref"
    podman_ref=""
  fi
  if runc list -q 2>/dev/null | grep -Fxq "$runc_id"; then note "run.sh: deleting stray runc container $runc_id"; runc delete -f "$runc_id"; fi
  if command -v crun >/dev/null && crun list -q 2>/dev/null | grep -Fxq "$crun_id"; then
    note "run.sh: deleting stray crun container $crun_id"; crun delete -f "$crun_id"
  fi
}
bench_traps

rm -rf "$logs" && mkdir -p "$logs"
skipped=()      # "contender: reason" lines for the report
skip() { # $1 = contender, $2 = reason (only its first 6 lines are shown)
  local reason; reason=$(printf '%s\n' "$2" | head -n 6)
  skipped+=("$1: $reason"); note "SKIPPED $1: $reason"
  bench_emit_skipped run "$1" "${reason%%$'\n'*}"
}

# ---------------------------------------------------------------------------------------------------
# 1. The image: the repo's demo busybox image, served from a registry on 127.0.0.1 (free port).
# ---------------------------------------------------------------------------------------------------
bench_no_mounts
rm -rf --one-file-system "$bundle" "$broot" "$brun" "$bplugins"
bench_demo_image
sed 's/^/  /' "$logs/demo-image.log"

# ---------------------------------------------------------------------------------------------------
# 2. Bare runtimes: a bundle with the image's root filesystem.
# ---------------------------------------------------------------------------------------------------
mkdir -p "$bundle"
chmod 0755 "$work" "$bundle"
cp -a "$demo/rootfs" "$bundle/rootfs"
(cd "$bundle" && runc spec)
jq '.process.args = ["true"] | .process.terminal = false' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

have_runc=0 have_crun=0
if out=$(runc run --bundle "$bundle" "$runc_id" 2>&1 </dev/null); then have_runc=1
else skip runc "\`runc run\` failed: $out"; fi

crun_hybrid() { # crun 1.8.1 refuses all containers when cgroup v1 is mounted and cgroup2 holds a controller
  [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]
}
if ! command -v crun >/dev/null; then
  skip crun "crun is not installed"
else
  if crun_hybrid && [ "$fix_cgroups" = 1 ]; then
    echo "cgroups: hybrid host, cgroup2 holds '$(cat /sys/fs/cgroup/unified/cgroup.controllers)'; mounting hugetlb as cgroup v1 (BERTH_BENCH_FIX_CGROUPS=1; left mounted)"
    mkdir -p /sys/fs/cgroup/hugetlb
    mountpoint -q /sys/fs/cgroup/hugetlb || mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
  fi
  if crun_hybrid; then
    skip crun "hybrid cgroups: /sys/fs/cgroup is v1 and /sys/fs/cgroup/unified/cgroup.controllers = '$(cat /sys/fs/cgroup/unified/cgroup.controllers)', so crun $(crun --version | awk 'NR == 1 { print $3 }') refuses every container (\"cgroups in hybrid mode not supported\"); rerun with BERTH_BENCH_FIX_CGROUPS=1 to mount the hugetlb hierarchy as cgroup v1"
  elif out=$(crun run --bundle "$bundle" "$crun_id" 2>&1 </dev/null); then have_crun=1
  else skip crun "\`crun run\` failed: $out"; fi
fi

# ---------------------------------------------------------------------------------------------------
# 3. Podman: the image pulled once into its normal storage (removed again at the end).
# ---------------------------------------------------------------------------------------------------
have_podman=0 have_podman_net=0
podman_flags=(--runtime "$podman_runtime")
podman_extra=()
if out=$(podman pull -q --tls-verify=false "$ref" 2>&1); then
  podman_ref=$ref
  if podman "${podman_flags[@]}" run --rm --network none "$ref" true >"$logs/podman-probe.log" 2>&1 </dev/null; then
    have_podman=1
  else
    read -r -a podman_extra <<<"$podman_ulimits"
    if podman "${podman_flags[@]}" run --rm --network none "${podman_extra[@]}" "$ref" true >>"$logs/podman-probe.log" 2>&1 </dev/null; then
      have_podman=1
      echo "podman: plain \`run\` fails here ($(grep -o 'error setting rlimit type [0-9]*\|setrlimit .RLIMIT_[A-Z]*.' "$logs/podman-probe.log" | head -n 1 || true)); using ${podman_extra[*]}"
    else
      skip podman "\`podman run\` failed, with and without $podman_ulimits: $(tail -n 3 "$logs/podman-probe.log")"
    fi
  fi
  if [ "$have_podman" = 1 ]; then
    if out=$(podman "${podman_flags[@]}" run --rm "${podman_extra[@]}" "$ref" true 2>&1 </dev/null); then have_podman_net=1
    else skip podman-defaultnet "\`podman run\` with the default network failed: $out"; fi
  fi
else
  skip podman "\`podman pull\` failed: $out"
fi

# ---------------------------------------------------------------------------------------------------
# 4. Berth: a private copy of the distribution, a fresh daemon, one pull, warm-up runs.
# ---------------------------------------------------------------------------------------------------
have_berth=0 have_berth_crun=0
berth_version=""
B() { "$dist/bin/berth" -H "unix://$sock" "$@"; }
if [ "$use_berth" = 0 ]; then
  skip berth "left out (--no-berth)"
elif [ ! -x "$dist_src/bin/berth" ]; then
  skip berth "no Berth distribution at $dist_src (build it: mvn -B -q -ntp -o verify -DskipTests; or set BERTH_DIST)"
else
  bench_copy_dist
  berth_version=$(berth_version_of "$dist")
  if ! bench_start_daemon "$broot" "$brun" "$bplugins" "$logs/daemon.log"; then
    skip berth "the daemon did not print 'berth daemon ready': $(tail -n 5 "$logs/daemon.log")"
    stop_pid "$daemon_pid"; daemon_pid=""
  elif ! out=$(B pull "$ref" 2>&1); then
    skip berth "\`berth pull $ref\` failed: $out"
  elif ! out=$(B run --rm "$ref" true 2>&1 </dev/null); then
    skip berth "\`berth run --rm $ref true\` failed (not implemented yet?): $out"
  else
    have_berth=1
    # Does the exit code come through? Only a warning: the timing is still valid.
    rc=0; B run --rm "$ref" false >/dev/null 2>&1 </dev/null || rc=$?
    [ "$rc" = 1 ] || note "WARNING: \`berth run --rm IMAGE false\` exited $rc, expected 1"
    if [ "$have_crun" = 1 ]; then
      if out=$(B run --rm --runtime crun "$ref" true 2>&1 </dev/null); then have_berth_crun=1
      else skip berth-crun "\`berth run --rm --runtime crun\` failed while bare crun works: $out"; fi
    else
      skip berth-crun "crun is not usable here (see crun above)"
    fi
    echo "berth: daemon ready, image pulled; $warmup warm-up run(s) per runtime..."
    for _ in $(seq 1 "$warmup"); do
      B run --rm "$ref" true </dev/null
      [ "$have_berth_crun" = 0 ] || B run --rm --runtime crun "$ref" true </dev/null
    done
  fi
  if [ "$have_berth" = 0 ]; then
    echo "*** Berth is NOT measured in this run: ${skipped[-1]%%$'\n'*}"
    echo "*** (details above on stderr and in $logs/); the anchors are still measured. ***"
  fi
fi

# ---------------------------------------------------------------------------------------------------
# 5. One hyperfine invocation with every contender that works.
# ---------------------------------------------------------------------------------------------------
keys=() labels=() cmds=()
add() { keys+=("$1"); labels+=("$2"); cmds+=("$3"); }
if [ "$have_berth" = 1 ]; then
  add berth-runc "berth run --rm (runc)" "$dist/bin/berth -H unix://$sock run --rm $ref true"
fi
if [ "$have_berth_crun" = 1 ]; then
  add berth-crun "berth run --rm --runtime crun" "$dist/bin/berth -H unix://$sock run --rm --runtime crun $ref true"
fi
if [ "$have_podman_net" = 1 ]; then
  add podman "podman run --rm ($podman_runtime)" "podman ${podman_flags[*]} run --rm ${podman_extra[*]:+${podman_extra[*]} }$ref true"
fi
if [ "$have_podman" = 1 ]; then
  add podman-netnone "podman run --rm --network none ($podman_runtime)" "podman ${podman_flags[*]} run --rm --network none ${podman_extra[*]:+${podman_extra[*]} }$ref true"
fi
if [ "$have_runc" = 1 ]; then add runc "runc run (prepared bundle)" "runc run --bundle $bundle $runc_id"; fi
if [ "$have_crun" = 1 ]; then add crun "crun run (prepared bundle)" "crun run --bundle $bundle $crun_id"; fi
# The same container's life as an engine drives it, create, start and delete as three commands: how much of an
# engine's overhead over `run` its runtime's own command line takes.
for rt in runc crun; do
  have=have_$rt id_var=${rt}_id
  [ "${!have}" = 1 ] || continue
  if out=$("$here/runtime-steps.sh" "$rt" "$bundle" "${!id_var}" 2>&1); then
    add "$rt-steps" "$rt create + start + delete (prepared bundle)" "$here/runtime-steps.sh $rt $bundle ${!id_var}"
  else
    skip "$rt-steps" "\`runtime-steps.sh $rt\` failed: $out"
  fi
done
[ "${#keys[@]}" -gt 0 ] || { note "run.sh: no contender works; nothing to measure"; exit 1; }

hyperfine_style
hyperfine_run() { # $@ = indexes into keys/labels/cmds
  local args=() i
  for i in "$@"; do args+=(-n "${labels[$i]}" "${cmds[$i]}"); done
  hyperfine -N "${style[@]}" --warmup 3 --runs "$runs" --export-json "$json" "${args[@]}" </dev/null
}
load_before=$(loadavg)
echo
echo "hyperfine: ${#keys[@]} contenders, --warmup 3 --runs $runs each, one invocation (load average before: $load_before)"
for i in "${!keys[@]}"; do printf '  %-15s %s\n' "${keys[$i]}" "${cmds[$i]}"; done
measured=("${!keys[@]}")
if ! hyperfine_run "${measured[@]}"; then
  if [ "$have_berth" = 1 ]; then
    echo "*** hyperfine failed with the Berth lines in it (a Berth run exited non-zero?); measuring the anchors again WITHOUT Berth ***"
    have_berth=0 have_berth_crun=0
    stop_pid "$daemon_pid"; daemon_pid=""
    skip berth "a \`berth run\` failed during the timed runs (see hyperfine's error above)"
    measured=()
    for i in "${!keys[@]}"; do case ${keys[$i]} in berth-*) ;; *) measured+=("$i") ;; esac; done
    hyperfine_run "${measured[@]}"
  else
    note "run.sh: hyperfine failed"; exit 1
  fi
fi
load_after=$(loadavg)

# The samples: hyperfine's results come in the order of its commands.
printf 'contender\trun\tms\texit_code\n' >"$results"
n=0
for i in "${measured[@]}"; do
  jq -r --arg k "${keys[$i]}" --argjson n "$n" \
    '.results[$n] as $r | range(0; $r.times | length) as $j | [$k, $j + 1, ($r.times[$j] * 1000 * 1000 | round / 1000), ($r.exit_codes[$j] // "")] | @tsv' \
    "$json" >>"$results"
  n=$((n + 1))
done
emit=()
for i in "${measured[@]}"; do emit+=("${keys[$i]}" "${cmds[$i]}"); done
bench_emit_hyperfine run "$json" "${emit[@]}"
bench_emit_note run "hyperfine $(hyperfine --version | awk '{ print $2 }') -N --warmup 3 --runs $runs, all contenders in one invocation; load average before $load_before, after $load_after; runc $(runc --version | awk 'NR == 1 { print $3 }'), crun $(command -v crun >/dev/null && crun --version | awk 'NR == 1 { print $3 }'), podman $(podman --version | awk '{ print $3 }') (runtime $podman_runtime${podman_extra[*]:+, ${podman_extra[*]}})${berth_version:+, $berth_version}"

# ---------------------------------------------------------------------------------------------------
# 6. The table (markdown) and the ratios.
# ---------------------------------------------------------------------------------------------------
declare -A med=() mn=() mean=() sd=() label=()
n=0
for i in "${measured[@]}"; do
  k=${keys[$i]}
  label[$k]=${labels[$i]}
  read -r "med[$k]" "mn[$k]" "mean[$k]" "sd[$k]" < <(jq -r --argjson n "$n" \
    '.results[$n] | [.median, .min, .mean, .stddev] | map(. * 1000) | map(tostring) | join(" ")' "$json")
  n=$((n + 1))
done
ms() { awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }
ratio() { # $1 / $2 of two contenders' medians, or n/a
  if [ -n "${med[$1]:-}" ] && [ -n "${med[$2]:-}" ]; then awk -v a="${med[$1]}" -v b="${med[$2]}" 'BEGIN { printf "%.2f", a / b }'
  else echo "n/a"; fi
}
overhead() { # median of $1 minus median of $2, in ms, or n/a
  if [ -n "${med[$1]:-}" ] && [ -n "${med[$2]:-}" ]; then awk -v a="${med[$1]}" -v b="${med[$2]}" 'BEGIN { printf "%+.1f ms", a - b }'
  else echo "n/a"; fi
}

echo
echo "### run --rm busybox true ($stamp)"
echo
echo "Machine: $(nproc) vCPU, $(uname -r); hyperfine $(hyperfine --version | awk '{ print $2 }') -N --warmup 3 --runs $runs," \
  "all contenders in one invocation, run one after another. Load average before: $load_before, after: $load_after."
echo "runc $(runc --version | awk 'NR == 1 { print $3 }'), crun $(command -v crun >/dev/null && crun --version | awk 'NR == 1 { print $3 }'), podman $(podman --version | awk '{ print $3 }') (runtime $podman_runtime${podman_extra[*]:+, ${podman_extra[*]}})${berth_version:+, $berth_version}."
echo
echo "| contender | median ms | min ms | mean ms ± σ |"
echo "|---|---:|---:|---:|"
for i in "${measured[@]}"; do
  k=${keys[$i]}
  echo "| ${label[$k]} | $(ms "${med[$k]}") | $(ms "${mn[$k]}") | $(ms "${mean[$k]}") ± $(ms "${sd[$k]}") |"
done
if [ "${#skipped[@]}" -gt 0 ]; then
  echo
  echo "Not measured:"
  for s in "${skipped[@]}"; do echo "- ${s%%$'\n'*}"; done
fi
echo
echo "Ratios of medians (same run):"
echo
echo "| | runc | crun |"
echo "|---|---:|---:|"
echo "| berth / podman run --rm | $(ratio berth-runc podman) | $(ratio berth-crun podman) |"
echo "| berth / podman run --rm --network none | $(ratio berth-runc podman-netnone) | $(ratio berth-crun podman-netnone) |"
echo "| berth / bare runtime | $(ratio berth-runc runc) | $(ratio berth-crun crun) |"
echo "| engine overhead: berth − bare runtime | $(overhead berth-runc runc) | $(overhead berth-crun crun) |"
echo "| of it, the runtime's three commands: create + start + delete − run | $(overhead runc-steps runc) | $(overhead crun-steps crun) |"
if [ "$podman_runtime" = runc ]; then
  echo "| for reference: podman --network none − bare runc | $(overhead podman-netnone runc) | |"
  echo "| for reference: podman --network none / bare runc | $(ratio podman-netnone runc) | |"
fi
echo
echo "samples: $results"
echo "hyperfine JSON: $json"
