# shellcheck shell=bash
# The shared preamble of the bench scripts (run.sh, audit.sh, docker.sh, daemon.sh, pull-expand.sh). Sourced,
# never run:
#
#   bench_name=run.sh                      # used in messages
#   . "$(dirname "$0")/common.sh"          # sets here, repo, dist_src, keep; defines the functions below
#   bench_require_root; bench_require_tools hyperfine jq ...
#   bench_workdir /var/tmp/berth-bench-X   # work = absolute BERTH_BENCH_DIR or the default; flock on it
#   bench_scratch+=("$work/dist" ...)      # removed at exit (unless BERTH_BENCH_KEEP=1 or mounts remain)
#   bench_traps                            # EXIT/INT/TERM: bench_cleanup_hook (if defined), then the common
#                                          # cleanup: daemon_pid, podman_service_pid, the registry, leftover
#                                          # mounts under $work, the scratch
#
# Results for bench/run: when BENCH_RESULTS names a file, the bench_emit_* functions append one JSON object
# per line to it ({"bench", "group", "key", "label", "unit", "better", "samples", "command"}, or a
# "note"/"skipped"/"meta" line). Without BENCH_RESULTS they do nothing, so every script still runs on its own.
#
# Environment read here: BERTH_DIST (default launcher/target/berth of this checkout), BERTH_BENCH_KEEP,
# BENCH_RESULTS.

here="$(cd -P "$(dirname "${BASH_SOURCE[1]:-${BASH_SOURCE[0]}}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dist_src=${BERTH_DIST:-$repo/launcher/target/berth}
keep=${BERTH_BENCH_KEEP:-0}
bench_name=${bench_name:-$(basename "${BASH_SOURCE[1]:-bench}")}
bench_key=${bench_key:-${bench_name%.*}}     # the "bench" field of emitted results
bench_scratch=()
daemon_pid=""
podman_service_pid=""
registry_pid=""
demo=""

note() { printf '%s\n' "$*" >&2; }
bench_die() { note "$bench_name: $*"; exit 1; }
now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

bench_require_root() { [ "$(id -u)" = 0 ] || bench_die "run as root"; }
bench_require_tools() { # $@ = commands that must be on PATH
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || bench_die "$tool is missing (see bench/README.md for the packages)"
  done
}
bench_require_hyperfine() {
  bench_require_tools hyperfine
  hyperfine -N --help >/dev/null 2>&1 || bench_die "this hyperfine has no -N/--shell=none (needs >= 1.13)"
}
bench_require_dist() {
  [ -x "$dist_src/bin/berth" ] || bench_die "no Berth distribution at $dist_src (build it: cd $repo && mvn -B -q -ntp -o verify -DskipTests; or set BERTH_DIST)"
}

# The shared start of the compare-*.sh scripts, which judge a change (BASE_DIST against the current build):
# --help (the script's header), no other argument, root, both distributions, the tools they need.
bench_compare_checks() { # $@ = the script's arguments
  case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;; esac
  [ "$#" = 0 ] || bench_die "unknown argument '$1' (see --help)"
  bench_require_root
  [ -n "${BASE_DIST:-}" ] || bench_die "set BASE_DIST to the distribution to compare against"
  [ -x "$BASE_DIST/bin/berth" ] || bench_die "BASE_DIST=$BASE_DIST has no bin/berth"
  bench_require_dist
  bench_require_tools docker-registry skopeo python3 flock
}
bench_positive() { # $1 = name, $2 = value: a positive integer
  case $2 in ''|*[!0-9]*|0) bench_die "$1 must be a positive number (got '$2')" ;; esac
}
bench_number() { # $1 = name, $2 = value: a non-negative integer
  case $2 in ''|*[!0-9]*) bench_die "$1 must be a number (got '$2')" ;; esac
}

bench_workdir() { # $1 = default work dir; sets work (absolute) and takes its lock (fd 9)
  work=${BERTH_BENCH_DIR:-$1}
  case $work in /?*) ;; *) bench_die "BERTH_BENCH_DIR must be an absolute path" ;; esac
  mkdir -p "$work"
  work=$(cd -P "$work" && pwd)
  exec 9>"$work/.lock"
  flock -n 9 || bench_die "another $bench_name is using $work"
  logs=$work/logs
}

stop_pid() { # $1 = a pid we started, $2 = seconds to wait after SIGTERM (default 20), then SIGKILL
  local pid=$1 wait_s=${2:-20}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((wait_s * 10))); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  note "$bench_name: pid $pid did not stop on SIGTERM within $wait_s s; SIGKILL"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

mounts_under() { # mount points under $1, deepest first (mountinfo field 5; octal escapes left as is)
  awk -v p="$1/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}
unmount_under() { # $1 = dir: unmounts whatever is mounted below it (quietly; returns 1 if some remain)
  local m
  for m in $(mounts_under "$1"); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || note "$bench_name: could not unmount $m"
  done
  [ -z "$(mounts_under "$1")" ]
}
bench_no_mounts() { # refuse to start over mounts an earlier run left under $work
  [ -z "$(mounts_under "$work")" ] && return 0
  note "$bench_name: mounts left under $work by an earlier run:"; mounts_under "$work" >&2; exit 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The repo's demo busybox image (.ci/demo-image), served by a docker-registry on 127.0.0.1 (free port).
# Sets demo ($work/demo), port, ref and registry_pid; the log is $logs/demo-image.log.
bench_demo_image() {
  demo=$work/demo
  bench_scratch+=("$demo")
  rm -rf --one-file-system "$demo"
  port=$(free_port)
  # shellcheck disable=SC2034 # used by the scripts that source this file
  ref=127.0.0.1:$port/busybox:latest
  echo "building and serving the demo image on 127.0.0.1:$port (.ci/demo-image)..."
  if ! BERTH_DEMO_DIR=$demo BERTH_REGISTRY_PORT=$port bash "$repo/.ci/demo-image" >"$logs/demo-image.log" 2>&1; then
    cat "$logs/demo-image.log" >&2; bench_die ".ci/demo-image failed"
  fi
  if [ -s "$demo/registry.pid" ]; then registry_pid=$(cat "$demo/registry.pid"); fi
}
bench_stop_registry() { # not our child (demo-image starts it with nohup): poll for its end instead of `wait`
  if [ -z "$registry_pid" ] && [ -n "$demo" ] && [ -s "$demo/registry.pid" ]; then registry_pid=$(cat "$demo/registry.pid"); fi
  [ -n "$registry_pid" ] || return 0
  kill "$registry_pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$registry_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$registry_pid" 2>/dev/null
  [ -z "$demo" ] || rm -f "$demo/registry.pid"
  registry_pid=""
}

# A private copy of the distribution, so that a concurrent rebuild cannot change it mid-run: sets dist.
bench_copy_dist() {
  dist=$work/dist
  bench_scratch+=("$dist")
  rm -rf --one-file-system "$dist"
  cp -a "$dist_src" "$dist"
}
berth_version_of() { # $1 = distribution: "berth VERSION" (the client's), or nothing
  "$1/bin/berth" version 2>/dev/null | awk '/Version:/ { print "berth " $2; exit }' || true
}

# Starts `berth daemon` of $dist on ROOT RUN PLUGINS ($1-$3), output in $4, and waits up to $5 s (default
# 120: the machine is often loaded) for its "berth daemon ready" line. Sets daemon_pid; 1 if it never came.
bench_start_daemon() {
  local root=$1 run=$2 plugins=$3 out=$4 wait_s=${5:-120}
  mkdir -p "$root" "$run" "$plugins"
  "$dist/bin/berth" daemon --root "$root" --run "$run" --plugins "$plugins" >"$out" 2>&1 </dev/null &
  daemon_pid=$!
  for _ in $(seq 1 $((wait_s * 10))); do
    grep -q "berth daemon ready" "$out" && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

bench_cleanup() {
  local rc=$?
  set +e
  if declare -F bench_cleanup_hook >/dev/null; then bench_cleanup_hook; fi
  if [ -n "$daemon_pid" ]; then stop_pid "$daemon_pid" 120; daemon_pid=""; fi
  if [ -n "$podman_service_pid" ]; then stop_pid "$podman_service_pid"; podman_service_pid=""; fi
  bench_stop_registry
  if [ -n "${work:-}" ]; then
    if [ -n "$(mounts_under "$work")" ]; then
      note "$bench_name: leftover mounts under $work; unmounting:"; mounts_under "$work" >&2
      unmount_under "$work"
    fi
    if [ -n "$(mounts_under "$work")" ]; then
      note "$bench_name: mounts remain under $work, scratch NOT removed:"; mounts_under "$work" >&2
    elif [ "$keep" != 1 ] && [ "${#bench_scratch[@]}" -gt 0 ]; then
      rm -rf --one-file-system "${bench_scratch[@]}"
    fi
  fi
  exit "$rc"
}
bench_traps() {
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

hyperfine_style() { # sets style: hyperfine's basic style when stdout is not a terminal
  # shellcheck disable=SC2034 # used by the scripts that source this file
  style=()
  # shellcheck disable=SC2034
  [ -t 1 ] || style=(--style basic)
}

# ---------------------------------------------------------------------------------------------------------
# Machine-readable results for bench/run (JSON lines in $BENCH_RESULTS; nothing without it).
# ---------------------------------------------------------------------------------------------------------
bench_emit_line() { # $1 = one JSON object
  [ -n "${BENCH_RESULTS:-}" ] || return 0
  printf '%s\n' "$1" >>"$BENCH_RESULTS"
}
# bench_emit GROUP KEY LABEL UNIT BETTER(lower|higher) COMMAND SAMPLE...
bench_emit() {
  [ -n "${BENCH_RESULTS:-}" ] || return 0
  local group=$1 key=$2 label=$3 unit=$4 better=$5 command=$6
  shift 6
  bench_emit_line "$(jq -cn --arg b "$bench_key" --arg g "$group" --arg k "$key" --arg l "$label" --arg u "$unit" \
    --arg better "$better" --arg c "$command" --args \
    '{bench: $b, group: $g, key: $k, label: $l, unit: $u, better: $better, command: $c,
      samples: [$ARGS.positional[] | select(. != "") | tonumber]}' "$@")"
}
# bench_emit_hyperfine GROUP JSON KEY COMMAND [KEY COMMAND]... : hyperfine's results in their order, one pair
# per result, as ms samples (label = hyperfine's name for it; hyperfine's JSON has no command line, hence COMMAND).
bench_emit_hyperfine() {
  [ -n "${BENCH_RESULTS:-}" ] || return 0
  local group=$1 json=$2 n=0
  shift 2
  while [ "$#" -ge 2 ]; do
    bench_emit_line "$(jq -c --arg b "$bench_key" --arg g "$group" --arg k "$1" --arg c "$2" --argjson n "$n" \
      '.results[$n] | {bench: $b, group: $g, key: $k, label: .command, unit: "ms", better: "lower", command: $c,
        samples: [.times[] * 1000 * 1000 | round / 1000]}' "$json")"
    n=$((n + 1))
    shift 2
  done
}
bench_emit_note() { # $1 = group (or ""), $2 = text
  bench_emit_line "$(jq -cn --arg b "$bench_key" --arg g "$1" --arg t "$2" '{bench: $b, group: $g, note: $t}')"
}
bench_emit_skipped() { # $1 = group, $2 = key, $3 = reason
  bench_emit_line "$(jq -cn --arg b "$bench_key" --arg g "$1" --arg k "$2" --arg t "$3" '{bench: $b, group: $g, key: $k, skipped: $t}')"
}
bench_emit_command() { # $1 = group, $2 = a command exactly as timed (for the report's command list)
  bench_emit_line "$(jq -cn --arg b "$bench_key" --arg g "$1" --arg t "$2" '{bench: $b, group: $g, timed_command: $t}')"
}
