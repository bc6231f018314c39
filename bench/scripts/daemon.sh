#!/usr/bin/env bash
# Daemon benchmark (issue 10): the Berth daemon's cold start, its idle memory and the CLI's latency, each
# against podman in the same run.
#
# 1. Cold start (bench/scripts/coldstart.py, ROUNDS rounds after one untimed warm-up round, contenders taking
#    turns): a new process on a fresh, empty state root, from the exec until
#      berth-ready    the daemon prints "berth daemon ready" (target: under 1.5 s)
#      berth-api      its socket answers GET /_ping (the anchor's measure, for Berth)
#      podman-service `podman system service` (fresh --root/--runroot/--tmpdir) answers GET /_ping: the anchor,
#                     a long-running engine service on an empty store until its API answers
#      podman-info    `podman info` on an empty store, the whole command (a reference: a daemonless engine's
#                     own start-up, paid by every podman command)
# 2. Idle RSS: a fresh Berth daemon and a fresh podman service (its own store) side by side; one pull of the
#    demo busybox image into each (`berth pull`; podman's libpod API, POST /libpod/images/pull), then both
#    left alone until SETTLE seconds after their start (Berth writes its first checkpoint 30 s after start),
#    then RSS_SAMPLES samples one second apart of the resident set of each process tree (the process and its
#    descendants; neither has any at idle: no containers run). The anchor is podman's service process: the
#    piece of podman that stays resident (conmon only exists while a container runs). Target: under 100 MB.
#    Beside them, two references, started and sampled with them: the floor under the daemon,
#    bench/floor/StackFloor.java (Vert.x with an event bus and an HTTP server answering Jackson-written JSON,
#    the JDK's HTTP client calling it; nothing of Berth), compiled against the distribution's own jars and run
#    with the daemon's own JVM options and environment (lib/berth-jvm with BERTH_JVM_PRINT_OPTIONS=1) and a
#    class-data archive of its own, as the daemon has one: once with the libraries alone, once with Felix,
#    SCR, ConfigAdmin, FileInstall and the library bundles started too (--felix).
# 3. CLI latency, ONE hyperfine invocation (-N, --warmup 3, RUNS runs each), on those two idle engines:
#      berth ps, berth version                      (target for `berth ps`: under 150 ms)
#      curl GET /v1/containers, GET /v1/version on Berth's socket: the same API calls without the CLI's JVM
#      podman ps, podman version (the daemonless CLI on the same private store): the anchors
#      curl GET /containers/json on podman's service socket: podman's API without a CLI
#      docker ps against Berth's Docker socket (a Go client; when a docker CLI is installed)
#
# Usage (as root): bench/scripts/daemon.sh
# Environment:
#   ROUNDS            cold-start rounds (default 10); RUNS hyperfine runs per command (default 30)
#   SETTLE            seconds after the start before RSS is sampled (default 40); RSS_SAMPLES (default 10)
#   BERTH_BENCH_DIR   work dir (default /var/tmp/berth-bench-daemon); scratch removed at the end
#   BERTH_DIST        Berth distribution (default launcher/target/berth of this checkout), copied first
#   DOCKER            the docker client for the docker ps line (default: docker on PATH; none: left out)
#   BERTH_BENCH_KEEP  1 to keep the scratch
# Output: a markdown summary on stdout; samples in $BERTH_BENCH_DIR/*-<UTC time>.*; with BENCH_RESULTS set
#   (bench/run sets it), every figure's samples as JSON lines in that file (see common.sh).
# Needs: podman, runc, docker-registry, skopeo, busybox-static, hyperfine (>= 1.13), jq, curl, python3, flock,
#   javac and jar (a JDK, for the floor program).
set -euo pipefail

bench_name=daemon.sh
# shellcheck source=bench/scripts/common.sh
. "$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
rounds=${ROUNDS:-10}
runs=${RUNS:-30}
settle=${SETTLE:-40}
rss_samples=${RSS_SAMPLES:-10}
docker=${DOCKER-$(command -v docker || true)}

case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;; esac
[ "$#" = 0 ] || bench_die "unknown argument '$1' (see --help)"
bench_require_root
bench_positive ROUNDS "$rounds"
bench_positive RUNS "$runs"
bench_number SETTLE "$settle"
bench_positive RSS_SAMPLES "$rss_samples"
bench_require_tools podman runc docker-registry skopeo jq curl python3 flock javac jar
bench_require_hyperfine
bench_require_dist
bench_workdir /var/tmp/berth-bench-daemon

broot=$work/root brun=$work/run bplugins=$work/plugins
sock=$brun/berth.sock
pdir=$work/podman
psock=$pdir/podman.sock
cold=$work/cold
floor=$work/floor
bench_scratch+=("$broot" "$brun" "$bplugins" "$pdir" "$cold" "$floor")
stamp=$(date -u +%Y%m%dT%H%M%SZ)
json=$work/hyperfine-$stamp.json
cold_tsv=$work/coldstart-$stamp.tsv
rss_tsv=$work/rss-$stamp.tsv

declare -A floor_pids=()
stop_floors() {
  local pid
  for pid in "${floor_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  floor_pids=()
  return 0
}
bench_cleanup_hook() { stop_floors; }
bench_traps
rm -rf "$logs" && mkdir -p "$logs"
bench_no_mounts
rm -rf --one-file-system "${bench_scratch[@]}"

bench_demo_image
bench_copy_dist
berth_version=$(berth_version_of "$dist")
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF=$work/containers.conf
podman_flags=(--root "$pdir/root" --runroot "$pdir/runroot" --tmpdir "$pdir/tmp")
load_start=$(loadavg)

# ---------------------------------------------------------------------------------------------------------
# 1. Cold start.
# ---------------------------------------------------------------------------------------------------------
echo
echo "cold start: 1 warm-up round, then $rounds rounds (berth daemon, podman system service, podman info; fresh state each)..."
python3 "$here/coldstart.py" --rounds "$rounds" --work "$cold" --berth "$dist" --podman-conf "$CONTAINERS_CONF" --tsv "$cold_tsv"

# ---------------------------------------------------------------------------------------------------------
# 2. Idle RSS: both engines started fresh, one pull each, left to settle.
# ---------------------------------------------------------------------------------------------------------
echo
echo "idle RSS: the floor program, compiled against the distribution's libraries, with the daemon's JVM options..."
mkdir -p "$floor/classes"
floor_cp=""
for jar in "$dist"/bundles/berth-vertx-*.jar "$dist"/bundles/netty-*.jar "$dist"/bundles/jackson-*.jar \
  "$dist"/lib/org.apache.felix.framework-*.jar; do
  floor_cp="$floor_cp$jar:"
done
javac -d "$floor/classes" -cp "$floor_cp" "$here/../floor/StackFloor.java"
jar --create --file "$floor/stack-floor.jar" -C "$floor/classes" .  # a dynamic archive wants jars only
floor_cp="${floor_cp}$floor/stack-floor.jar"
floor_env=() floor_opts=() floor_java=""
while read -r kind value; do
  case $kind in
    env) floor_env+=("$value") ;;
    java) floor_java=$value ;;
    opt) case $value in -XX:SharedArchiveFile=*) ;; *) floor_opts+=("$value") ;; esac ;;
  esac
done < <(BERTH_JVM_PRINT_OPTIONS=1 "$dist/lib/berth-jvm" daemon)
[ -n "$floor_java" ] && [ "${#floor_opts[@]}" -gt 0 ] || bench_die "$dist/lib/berth-jvm printed no JVM options"
floor_run=(env "${floor_env[@]}" "$floor_java" "${floor_opts[@]}")
# Two floors: the libraries alone, and with the OSGi part of the stack (Felix, SCR, ConfigAdmin, FileInstall and
# the library bundles, started). Each gets a class-data archive of its own from one untimed run first.
floor_args() { # $1 = libs|felix (Felix empties its cache folder itself as it starts)
  if [ "$1" = felix ]; then echo --felix "$floor/felix-cache" "$dist/bundles"; fi
}
for kind in libs felix; do
  # shellcheck disable=SC2046
  "${floor_run[@]}" -XX:ArchiveClassesAtExit="$floor/$kind.jsa" -Xlog:cds+dynamic=off -cp "$floor_cp" StackFloor \
    $(floor_args "$kind") --exit >"$logs/floor-$kind-training.log" 2>&1 \
    || { cat "$logs/floor-$kind-training.log" >&2; bench_die "the floor program ($kind) failed"; }
done
echo "idle RSS: starting a fresh Berth daemon, a fresh podman service and the two floor programs..."
t_start=$(now_ns)
for kind in libs felix; do
  # shellcheck disable=SC2046
  "${floor_run[@]}" -XX:SharedArchiveFile="$floor/$kind.jsa" -cp "$floor_cp" StackFloor $(floor_args "$kind") \
    >"$logs/floor-$kind.log" 2>&1 </dev/null &
  floor_pids[$kind]=$!
done
bench_start_daemon "$broot" "$brun" "$bplugins" "$logs/daemon.log" \
  || { tail -n 20 "$logs/daemon.log" >&2; bench_die "the Berth daemon did not start"; }
mkdir -p "$pdir"
podman "${podman_flags[@]}" system service --time=0 "unix://$psock" >"$logs/podman.log" 2>&1 </dev/null &
podman_service_pid=$!
for _ in $(seq 1 1200); do curl -fs --unix-socket "$psock" -o /dev/null http://d/_ping 2>/dev/null && break; sleep 0.1; done
curl -fs --unix-socket "$psock" -o /dev/null http://d/_ping || { cat "$logs/podman.log" >&2; bench_die "podman system service did not answer"; }

B() { "$dist/bin/berth" -H "unix://$sock" "$@"; }
B pull "$ref" >"$logs/berth-pull.log" 2>&1 || { cat "$logs/berth-pull.log" >&2; bench_die "berth pull failed"; }
enc_ref=$(jq -rn --arg v "$ref" '$v | @uri')
curl -fsS --unix-socket "$psock" -X POST "http://d/v4.0.0/libpod/images/pull?reference=$enc_ref&tlsVerify=false" \
  >"$logs/podman-pull.log" 2>&1 || { cat "$logs/podman-pull.log" >&2; bench_die "the pull through podman's API failed"; }
if grep -q '"error"' "$logs/podman-pull.log"; then cat "$logs/podman-pull.log" >&2; bench_die "the pull through podman's API failed"; fi
podman "${podman_flags[@]}" image exists "$ref" || bench_die "podman's store has no $ref after the pull"
for kind in libs felix; do
  for _ in $(seq 1 600); do grep -q '^ready ' "$logs/floor-$kind.log" && break; sleep 0.1; done
  grep -q '^ready ' "$logs/floor-$kind.log" \
    || { cat "$logs/floor-$kind.log" >&2; bench_die "the floor program ($kind) did not get ready"; }
done

rss_tree() { # $1 = pid: resident set of it and its descendants, in KiB
  ps -e -o pid=,ppid=,rss= | awk -v root="$1" '
    { parent[$1] = $2; rss[$1] = $3 }
    END { for (p in rss) { q = p; while (q != "" && q != 0 && q != root) q = parent[q]; if (q == root) total += rss[p] } print total + 0 }'
}
elapsed=$(( ($(now_ns) - t_start) / 1000000000 ))
if [ "$elapsed" -lt "$settle" ]; then
  echo "both pulled; settling until $settle s after their start ($((settle - elapsed)) s)..."
  sleep $((settle - elapsed))
fi
printf 'sample\tberth_kib\tpodman_kib\tfloor_libs_kib\tfloor_felix_kib\n' >"$rss_tsv"
berth_rss=() podman_rss=() libs_rss=() felix_rss=()
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
for i in $(seq 1 "$rss_samples"); do
  b=$(rss_tree "$daemon_pid") p=$(rss_tree "$podman_service_pid")
  l=$(rss_tree "${floor_pids[libs]}") f=$(rss_tree "${floor_pids[felix]}")
  printf '%s\t%s\t%s\t%s\t%s\n' "$i" "$b" "$p" "$l" "$f" >>"$rss_tsv"
  berth_rss+=("$(mib "$b")") podman_rss+=("$(mib "$p")") libs_rss+=("$(mib "$l")") felix_rss+=("$(mib "$f")")
  sleep 1
done
stop_floors
echo "  RSS (MiB): berth ${berth_rss[*]}; podman service ${podman_rss[*]}; floor, libraries ${libs_rss[*]};" \
  "floor, libraries and OSGi ${felix_rss[*]}"
bench_emit rss berth "berth daemon, idle after start + one pull + settle" MiB lower \
  "$dist/bin/berth daemon --root $broot --run $brun --plugins $bplugins (RSS of its process tree)" "${berth_rss[@]}"
bench_emit rss podman "podman system service, idle after start + one pull + settle (anchor)" MiB lower \
  "podman ${podman_flags[*]} system service --time=0 unix://$psock (RSS of its process tree)" "${podman_rss[@]}"
bench_emit rss floor-libs "floor: the libraries alone (Vert.x, Netty, Jackson, the JDK HTTP client; the daemon's JVM options), idle after the same settle (reference)" MiB lower \
  "${floor_run[*]} -XX:SharedArchiveFile=$floor/libs.jsa -cp $floor_cp StackFloor (RSS of its process tree)" "${libs_rss[@]}"
bench_emit rss floor-felix "floor: the libraries and Felix, SCR, ConfigAdmin, FileInstall with their bundles started (reference)" MiB lower \
  "${floor_run[*]} -XX:SharedArchiveFile=$floor/felix.jsa -cp $floor_cp StackFloor --felix $floor/felix-cache $dist/bundles (RSS of its process tree)" "${felix_rss[@]}"

# ---------------------------------------------------------------------------------------------------------
# 3. CLI latency, one hyperfine invocation on the two idle engines.
# ---------------------------------------------------------------------------------------------------------
keys=() labels=() cmds=()
add() { keys+=("$1"); labels+=("$2"); cmds+=("$3"); }
add berth-ps "berth ps" "$dist/bin/berth -H unix://$sock ps"
add berth-version "berth version" "$dist/bin/berth -H unix://$sock version"
add berth-ps-jvm "berth ps, JVM client (BERTH_JVM_CLIENT=1)" "env BERTH_JVM_CLIENT=1 $dist/bin/berth -H unix://$sock ps"
add curl-containers "curl GET /v1/containers (Berth, no CLI)" "curl -sf -o /dev/null --unix-socket $sock http://berth/v1/containers"
add curl-version "curl GET /v1/version (Berth, no CLI)" "curl -sf -o /dev/null --unix-socket $sock http://berth/v1/version"
add podman-ps "podman ps (anchor)" "podman ${podman_flags[*]} ps"
add podman-version "podman version (anchor)" "podman ${podman_flags[*]} version"
add curl-podman "curl GET /containers/json (podman service)" "curl -sf -o /dev/null --unix-socket $psock http://d/containers/json"
if [ -n "$docker" ] && [ -x "$docker" ] && [ -S "$brun/docker.sock" ]; then
  add docker-ps "docker ps → Berth's Docker socket (Go client)" "$docker -H unix://$brun/docker.sock ps"
else
  bench_emit_skipped cli docker-ps "no docker CLI or no Docker socket in Berth's run folder"
fi
for i in "${!keys[@]}"; do
  read -r -a argv <<<"${cmds[$i]}"
  "${argv[@]}" >"$logs/probe-${keys[$i]}.log" 2>&1 </dev/null \
    || { cat "$logs/probe-${keys[$i]}.log" >&2; bench_die "${keys[$i]} fails: ${cmds[$i]}"; }
done
hyperfine_style
args=()
for i in "${!keys[@]}"; do args+=(-n "${labels[$i]}" "${cmds[$i]}"); done
load_before=$(loadavg)
echo
echo "CLI latency: hyperfine, ${#keys[@]} commands, --warmup 3 --runs $runs each, one invocation (load average before: $load_before)"
hyperfine -N "${style[@]}" --warmup 3 --runs "$runs" --export-json "$json" "${args[@]}" </dev/null
load_after=$(loadavg)
emit=()
for i in "${!keys[@]}"; do emit+=("${keys[$i]}" "${cmds[$i]}"); done
bench_emit_hyperfine cli "$json" "${emit[@]}"
b_after=$(rss_tree "$daemon_pid") p_after=$(rss_tree "$podman_service_pid")
bench_emit_note rss "after the CLI runs below: berth $(awk -v k="$b_after" 'BEGIN { printf "%.1f", k / 1024 }') MiB, podman service $(awk -v k="$p_after" 'BEGIN { printf "%.1f", k / 1024 }') MiB; sampled $rss_samples times 1 s apart from $settle s after both started (one pull each, no container); JVM $(java -version 2>&1 | head -n 1), no -Xmx (the daemon's JVM defaults)"
bench_emit_note cold "${berth_version:-berth ?}, podman $(podman --version | awk '{ print $3 }'); $rounds rounds after one untimed warm-up round, order flipped every round; load average at the start $load_start"
bench_emit_note cli "hyperfine $(hyperfine --version | awk '{ print $2 }') -N --warmup 3 --runs $runs, one invocation; load average before $load_before, after $load_after"

# ---------------------------------------------------------------------------------------------------------
# 4. Summary.
# ---------------------------------------------------------------------------------------------------------
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cold_med() { awk -F'\t' -v k="$1" 'NR > 1 && $2 == k { print $3 }' "$cold_tsv" | median; }
hf() { jq -r --argjson n "$1" '.results[$n] | "\(.median * 1000 | . * 10 | round / 10) \(.min * 1000 | . * 10 | round / 10)"' "$json"; }
echo
echo "### daemon: cold start, idle RSS, CLI latency ($stamp)"
echo
echo "Cold start (median ms of $rounds): berth ready $(cold_med berth-ready), berth /_ping $(cold_med berth-api)," \
  "podman service /_ping $(cold_med podman-service), podman info $(cold_med podman-info)."
echo "Idle RSS (median MiB of $rss_samples): berth $(printf '%s\n' "${berth_rss[@]}" | median), podman service $(printf '%s\n' "${podman_rss[@]}" | median);" \
  "floors: the libraries $(printf '%s\n' "${libs_rss[@]}" | median), with OSGi $(printf '%s\n' "${felix_rss[@]}" | median)."
echo
echo "| command | median ms | min ms |"
echo "|---|---:|---:|"
for i in "${!keys[@]}"; do read -r m n < <(hf "$i"); echo "| ${labels[$i]} | $m | $n |"; done
echo
echo "samples: $cold_tsv, $rss_tsv, $json"
