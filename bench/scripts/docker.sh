#!/usr/bin/env bash
# Docker API benchmark: the real docker CLI running `docker run --rm --network none IMAGE true` against
# Berth's Docker-compatible socket and against podman's (`podman system service`), side by side in ONE
# hyperfine run, plus `berth run --rm --network none IMAGE true` (Berth's own CLI) for reference.
#
# Both engines get the same image content: the repo's demo busybox image (.ci/demo-image), served by a
# docker-registry on 127.0.0.1 (free port), pulled once into each engine before timing (untimed).
#   berth-docker : docker -H unix://RUN/docker.sock run --rm --network none IMAGE true
#                  Berth: a private copy of the distribution, a fresh daemon (own --root/--run/--plugins)
#   podman-docker: docker -H unix://WORK/podman.sock run --rm --network none IMAGE true
#                  podman system service --time=0 on its own socket, runtime runc (Berth's default) and
#                  ulimits nofile=1024:1024 nproc=4096:4096 from a private containers.conf: podman's own
#                  default RLIMIT_NOFILE (1048576) cannot be set by root here (no CAP_SYS_RESOURCE)
#   berth-cli    : berth -H unix://RUN/berth.sock run --rm --network none IMAGE true
# Each contender is first tried once, and its exit code for `sh -c 'exit 3'` is reported (podman's
# compatibility layer answers 0 here; Docker and Berth must answer 3).
# Target (issue 8): berth-docker at most 0.5 times podman-docker (medians).
#
# Usage (as root): bench/scripts/docker.sh
# Environment:
#   RUNS             timed runs per contender (default 30); WARMUP hyperfine warm-up runs (default 3)
#   BERTH_BENCH_DIR  work dir (default /var/tmp/berth-bench-docker); scratch removed at the end
#   BERTH_DIST       Berth distribution (default launcher/target/berth of this checkout), copied first
#   DOCKER           the docker client (default: docker on PATH)
# Output: hyperfine's report, then a markdown table with ratios on stdout (for docs/benchmarks.md); the
#   hyperfine JSON in $BERTH_BENCH_DIR/hyperfine-<UTC time>.json, logs in $BERTH_BENCH_DIR/logs/; with
#   BENCH_RESULTS set (bench/run sets it), the samples as JSON lines in that file (common.sh).
# Needs: hyperfine (>= 1.13), the docker CLI, podman, runc, docker-registry, skopeo, busybox-static, jq,
#   python3, flock.
set -euo pipefail

bench_name=docker.sh
# shellcheck source=bench/scripts/common.sh
. "$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
runs=${RUNS:-30}
warmup=${WARMUP:-3}
docker=${DOCKER:-$(command -v docker || true)}

bench_require_root
bench_positive RUNS "$runs"
bench_number WARMUP "$warmup"
if [ -z "$docker" ] || [ ! -x "$docker" ]; then bench_die "no docker client (install docker.io's CLI or set DOCKER)"; fi
bench_require_tools podman runc docker-registry skopeo jq python3 flock
bench_require_hyperfine
bench_require_dist
bench_workdir /var/tmp/berth-bench-docker

broot=$work/root brun=$work/run bplugins=$work/plugins
psock=$work/podman.sock
bench_scratch+=("$broot" "$brun" "$bplugins" "$psock")
stamp=$(date -u +%Y%m%dT%H%M%SZ)
json=$work/hyperfine-$stamp.json
podman_ref=""

bench_cleanup_hook() { # stop Berth first (its containers), then podman's image and service
  if [ -n "$daemon_pid" ]; then stop_pid "$daemon_pid"; daemon_pid=""; fi
  if [ -n "$podman_ref" ]; then podman rmi -f "$podman_ref" >/dev/null 2>&1; podman_ref=""; fi
}
bench_traps
rm -rf "$logs" && mkdir -p "$logs"
bench_no_mounts

# 1. The image.
bench_demo_image

# 2. Berth: private distribution, fresh daemon, its Docker socket.
bench_copy_dist
bench_start_daemon "$broot" "$brun" "$bplugins" "$logs/daemon.log" \
  || { tail -n 20 "$logs/daemon.log" >&2; bench_die "the daemon did not start"; }
[ -S "$brun/docker.sock" ] || bench_die "no $brun/docker.sock (the Docker API bundle is not serving)"
bdocker=("$docker" -H "unix://$brun/docker.sock")
"${bdocker[@]}" pull -q "$ref" >/dev/null

# 3. Podman: its API service on a socket of its own, the image pulled into its storage.
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
rm -f "$psock"
CONTAINERS_CONF=$work/containers.conf podman system service --time=0 "unix://$psock" >"$logs/podman.log" 2>&1 &
podman_service_pid=$!
for _ in $(seq 1 100); do [ -S "$psock" ] && break; sleep 0.1; done
[ -S "$psock" ] || { cat "$logs/podman.log" >&2; note "docker.sh: podman system service did not start"; exit 1; }
podman pull -q --tls-verify=false "$ref" >/dev/null
podman_ref=$ref
pdocker=("$docker" -H "unix://$psock")

# 4. Tried once each; the exit code each reports for `exit 3`.
exit_code() { local rc=0; "$@" run --rm --network none "$ref" sh -c 'exit 3' >/dev/null 2>&1 </dev/null || rc=$?; echo "$rc"; }
berth_cli=("$dist/bin/berth" -H "unix://$brun/berth.sock")
for c in bdocker pdocker berth_cli; do
  declare -n contender=$c
  "${contender[@]}" run --rm --network none "$ref" true </dev/null >"$logs/$c-probe.log" 2>&1 \
    || { cat "$logs/$c-probe.log" >&2; note "docker.sh: $c cannot run the image"; exit 1; }
  unset -n contender
done
rc_berth=$(exit_code "${bdocker[@]}") rc_podman=$(exit_code "${pdocker[@]}") rc_cli=$(exit_code "${berth_cli[@]}")

# 5. One hyperfine invocation.
cmd_b="${bdocker[*]} run --rm --network none $ref true"
cmd_p="${pdocker[*]} run --rm --network none $ref true"
cmd_c="${berth_cli[*]} run --rm --network none $ref true"
load_before=$(loadavg)
hyperfine_style
hyperfine -N "${style[@]}" --warmup "$warmup" --runs "$runs" --export-json "$json" \
  -n "docker → Berth" "$cmd_b" -n "docker → podman system service" "$cmd_p" -n "berth CLI → Berth" "$cmd_c" </dev/null
load_after=$(loadavg)
bench_emit_hyperfine docker "$json" berth-docker "$cmd_b" podman-docker "$cmd_p" berth-cli "$cmd_c"
bench_emit_note docker "docker CLI $("$docker" version --format '{{.Client.Version}}' 2>/dev/null), podman $(podman --version | awk '{ print $3 }'), runc for both; hyperfine -N --warmup $warmup --runs $runs, one invocation; load average before $load_before, after $load_after. Exit code of \`run --rm ... sh -c 'exit 3'\`: Berth through docker $rc_berth, podman through docker $rc_podman, berth CLI $rc_cli"

med() { jq -r --argjson n "$1" '.results[$n].median * 1000 | . * 10 | round / 10' "$json"; }
row() { jq -r --argjson n "$1" '.results[$n] | [.command, (.median*1000*10|round/10), (.min*1000*10|round/10), (.mean*1000*10|round/10), (.stddev*1000*10|round/10)] | "| \(.[0]) | \(.[1]) | \(.[2]) | \(.[3]) ± \(.[4]) |"' "$json"; }
mb=$(med 0) mp=$(med 1)
ratio=$(awk -v a="$mb" -v b="$mp" 'BEGIN { printf "%.2f", a / b }')
echo
echo "### docker run --rm --network none: Berth against podman, through the docker CLI ($stamp)"
echo
echo "Machine: $(nproc) vCPU, $(uname -r); docker CLI $("$docker" version --format '{{.Client.Version}}' 2>/dev/null);" \
  "podman $(podman --version | awk '{ print $3 }'), runc for both; hyperfine -N --warmup $warmup --runs $runs, one invocation." \
  "Load average before: $load_before; after: $load_after."
echo
echo "| contender | median ms | min ms | mean ms ± σ |"
echo "|---|---:|---:|---:|"
row 0; row 1; row 2
echo
echo "Ratio of medians, Berth / podman: **$ratio** (target at most 0.5: $(awk -v r="$ratio" 'BEGIN { print (r <= 0.5 ? "met" : "missed") }'))."
echo "Exit code of \`run --rm ... sh -c 'exit 3'\`: Berth through docker $rc_berth, podman through docker $rc_podman, berth CLI $rc_cli."
echo
echo "Commands (exactly as timed):"
echo
echo '```'
echo "$cmd_b"
echo "$cmd_p"
echo "$cmd_c"
echo '```'
