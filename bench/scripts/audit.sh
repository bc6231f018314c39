#!/usr/bin/env bash
# Audit benchmark: `berth history` of one container, `berth ps -a --at T` and a full `berth audit replay` on
# an event log of EVENTS (default 1,000,000) events, with their anchors side by side in the same run.
#
# The log: dev.berth.bench.GenerateAuditLog (bench/target/benchmarks.jar) writes a month of a busy host
# through SegmentedEventLog itself: the first daemon start, image pulls, ~130,000 containers per million
# events with the engine's exact events and subjects (run --rm jobs, kept jobs, services with execs,
# restarts, OOM kills, create+start, interactive shells, failed creations), daemon restarts, a plugin swap,
# default runtime changes. Every container ends exited and unmounted; the last 20 are left not removed.
# It is generated once into $BERTH_BENCH_DIR/gen and reused while EVENTS, the seed, the span and the
# generator's sources are unchanged (REGENERATE=1 forces it). Each run copies the pristine log into a fresh
# daemon root, so every start replays the whole log (no checkpoint).
#
# Then: a private daemon on that root (`berth daemon --root R --run RUN --plugins P`, a private copy of the
# distribution), timed from launch until GET /v1/info answers on its socket (what `berth info` asks), and
# left to settle (its first checkpoint written). One JSON-lines dump of the whole log, made once with
# `berth events --format json` and cached next to the log, serves the grep anchor.
#
# Timed in ONE hyperfine invocation (-N, --warmup 3, RUNS runs each, one command after the other):
#   history   : berth -H unix://RUN/berth.sock history ID       (ID: a service container from mid-log)
#   ps-at     : berth -H unix://RUN/berth.sock ps -a --at T      (T: the time of the middle record)
#   history-http, ps-at-http: the same two questions with curl on the socket (no CLI JVM)
#   version   : berth -H unix://RUN/berth.sock version           anchor: the CLI's JVM start + one round trip
#   grep      : grep -cF ID DUMP                                 anchor: one scan of the whole log as JSON lines
# Then REPLAYS rounds (after one untimed warm-up round), each:
#   replay    : berth -H ... audit replay --format json          wall time, and the engine's own "millis"
#   verify    : berth -H ... audit verify                        anchor: reads every record, CRCs and chain
# Targets (the issue): history < 200 ms, ps --at < 500 ms, full replay < 2,000 ms (the engine's millis).
#
# Usage (as root): bench/scripts/audit.sh [--allow-missing]
#   --allow-missing   measure what exists when `history`, `ps --at` or `audit replay` is missing (by default
#                     the script stops with the failing command's output before timing anything)
# Environment:
#   EVENTS            events in the log (default 1000000)
#   RUNS              hyperfine runs per command (default 20); REPLAYS replay rounds (default 5)
#   BERTH_BENCH_DIR   work dir (default /var/tmp/berth-bench-audit); gen/ (the log, its dump) is kept
#   BERTH_DIST        Berth distribution (default launcher/target/berth of this checkout), copied first
#   BERTH_AUDIT_SEED, BERTH_AUDIT_DAYS   the generator's seed (default 1) and span in days (default 30)
#   REGENERATE        1 to generate the log (and its dump) again
#   SETTLE_MAX        seconds to wait for the daemon's first checkpoint before timing (default 120)
#   BERTH_BENCH_KEEP  1 to keep the daemon root and the distribution copy
# Output: the summary (markdown, for docs/benchmarks.md) on stdout; hyperfine's JSON, every sample and
#   the replay rounds in $BERTH_BENCH_DIR/*-<UTC time>.*; the daemon's log in $BERTH_BENCH_DIR/logs/; with
#   BENCH_RESULTS set (bench/run sets it), every figure's samples as JSON lines in that file (common.sh).
# Needs: java 17, maven (to build bench/ when its jar is missing or older than its sources), hyperfine
#   (>= 1.13), jq, curl, flock.
set -euo pipefail

bench_name=audit.sh
# shellcheck source=bench/scripts/common.sh
. "$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
events=${EVENTS:-1000000}
runs=${RUNS:-20}
replays=${REPLAYS:-5}
seed=${BERTH_AUDIT_SEED:-1}
days=${BERTH_AUDIT_DAYS:-30}
regenerate=${REGENERATE:-0}
settle_max=${SETTLE_MAX:-120}
allow_missing=0

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
for arg in "$@"; do
  case $arg in
    --allow-missing) allow_missing=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "audit.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

bench_require_root
for n in "$events" "$runs" "$replays" "$seed" "$days" "$settle_max"; do
  case $n in ''|*[!0-9]*) bench_die "EVENTS, RUNS, REPLAYS, BERTH_AUDIT_SEED, BERTH_AUDIT_DAYS and SETTLE_MAX must be numbers" ;; esac
done
bench_require_tools java jq curl flock
bench_require_hyperfine
bench_require_dist
bench_workdir /var/tmp/berth-bench-audit

gen=$work/gen                 # the generated log, its summary and its dump (kept between runs)
root=$work/root
brun=$work/run
bplugins=$work/plugins
sock=$brun/berth.sock
bench_scratch+=("$root" "$brun" "$bplugins")
stamp=$(date -u +%Y%m%dT%H%M%SZ)
json=$work/hyperfine-$stamp.json
samples=$work/results-$stamp.tsv
replay_tsv=$work/replays-$stamp.tsv

bench_traps   # the daemon is stopped with up to 120 s to write its checkpoint (bench_cleanup)
rm -rf "$logs" && mkdir -p "$logs"
bench_no_mounts

# ---------------------------------------------------------------------------------------------------
# 1. The generator (bench/target/benchmarks.jar) and the log, generated once.
# ---------------------------------------------------------------------------------------------------
jar=$repo/bench/target/benchmarks.jar
if [ ! -f "$jar" ] || [ -n "$(find "$repo/bench/src" "$repo/bench/pom.xml" -newer "$jar" -print -quit)" ]; then
  echo "building bench/ (its jar is missing or older than its sources)..."
  # In the reactor (-am), so that berth-api and berth-eventlog come from this checkout, not from ~/.m2.
  (cd "$repo" && mvn -B -q -ntp -o -Pbench -pl bench -am package -DskipTests) >"$logs/bench-build.log" 2>&1 \
    || { cat "$logs/bench-build.log" >&2; note "audit.sh: building bench/ failed"; exit 1; }
fi
sources_hash=$(cat "$repo"/bench/src/main/java/dev/berth/bench/{GenerateAuditLog,AuditScenario,ScheduledClock}.java | sha256sum | cut -c1-16)
wanted="events=$events seed=$seed days=$days generator=$sources_hash"
if [ "$regenerate" = 1 ] || [ "$(cat "$gen/stamp" 2>/dev/null)" != "$wanted" ] || [ ! -s "$gen/summary.json" ]; then
  rm -rf "$gen" && mkdir -p "$gen"
  echo "generating $events events ($days days, seed $seed) into $gen/events..."
  t0=$(date +%s%N)
  java -Dberth.audit.seed="$seed" -Dberth.audit.days="$days" -cp "$jar" dev.berth.bench.GenerateAuditLog "$gen" "$events" \
    >"$gen/summary.json" 2>"$logs/generate.log" || { cat "$logs/generate.log" >&2; note "audit.sh: generating the log failed"; exit 1; }
  gen_ms=$(ms_since "$t0")
  echo "  done in $gen_ms ms (wall, JVM start and the read-back check included)"
  echo "$gen_ms" >"$gen/generate-ms"
  echo "$wanted" >"$gen/stamp"
else
  echo "reusing the log in $gen ($wanted)"
fi
S() { jq -r "$1" "$gen/summary.json"; }
records=$(S .records)
log_bytes=$(S .bytes)
id=$(S .container.id)
name=$(S .container.name)
id_events=$(S .container.events)
at_time=$(S .middle.time)
at_seq=$(S .middle.sequence)
at_containers=$(S .middle.containers)
echo "  $records records, $(( log_bytes / 1048576 )) MiB in $(S .segments) segments, $(S .first) .. $(S .last)"
echo "  container: $id ($name, $(S .container.image), $id_events events); middle: #$at_seq at $at_time ($at_containers containers, $(S .middle.running) running)"

# ---------------------------------------------------------------------------------------------------
# 2. A private daemon on a fresh copy of the log: start-up time, settle.
# ---------------------------------------------------------------------------------------------------
rm -rf --one-file-system "$root" "$brun" "$bplugins"
bench_copy_dist
mkdir -p "$root" "$brun" "$bplugins"
echo "copying the log into a fresh daemon root..."
cp -a "$gen/events" "$root/events"
sync -f "$root/events"
B() { "$dist/bin/berth" -H "unix://$sock" "$@"; }
berth_version=$(berth_version_of "$dist")

load_start=$(loadavg)
t0=$(date +%s%N)
"$dist/bin/berth" daemon --root "$root" --run "$brun" --plugins "$bplugins" >"$logs/daemon.log" 2>&1 </dev/null &
daemon_pid=$!
start_ms=""
for _ in $(seq 1 6000); do   # 10 minutes at most
  if curl -fsS --unix-socket "$sock" -o /dev/null http://berth/v1/info 2>/dev/null; then start_ms=$(ms_since "$t0"); break; fi
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$start_ms" ]; then
  tail -n 30 "$logs/daemon.log" >&2; note "audit.sh: the daemon did not answer GET /v1/info on $sock"; exit 1
fi
B info >"$logs/info.txt" || { cat "$logs/info.txt" >&2; note "audit.sh: \`berth info\` failed"; exit 1; }
echo "daemon: answering /v1/info $start_ms ms after launch (load average at launch: $load_start); $(grep -o 'projections rebuilt: .*' "$logs/daemon.log" || echo 'no projections line in its log')"
if grep -qiE 'SEVERE|ERROR|exception' "$logs/daemon.log"; then
  note "WARNING: the daemon's log has errors (the engine may not accept the generated log):"; grep -iE -m 10 'SEVERE|ERROR|exception' "$logs/daemon.log" >&2
fi
echo "waiting for the daemon's first checkpoint (written 30 s after start) so it does not land in the timings..."
t1=$(date +%s%N)
for _ in $(seq 1 $((settle_max * 10))); do
  [ -s "$root/checkpoints/engine.json" ] && [ ! -e "$root/checkpoints/engine.json.tmp" ] && break
  sleep 0.1
done
if [ -s "$root/checkpoints/engine.json" ]; then
  echo "  checkpoint written after $(( $(ms_since "$t1") + start_ms )) ms from launch: $(( $(stat -c %s "$root/checkpoints/engine.json") / 1048576 )) MiB"
else
  echo "  no checkpoint after $settle_max s; timing anyway"
fi

# The dump for the grep anchor, once per generated log.
dump=$gen/dump.jsonl
if [ ! -s "$dump" ]; then
  echo "dumping the log as JSON lines (berth events --format json, once)..."
  t1=$(date +%s%N)
  B events --format json >"$dump.tmp" || { note "audit.sh: \`berth events --format json\` failed"; rm -f "$dump.tmp"; exit 1; }
  mv "$dump.tmp" "$dump"
  echo "  $(wc -l <"$dump") lines, $(( $(stat -c %s "$dump") / 1048576 )) MiB in $(ms_since "$t1") ms"
fi
dump_hits=$(grep -cF "$id" "$dump" || true)

# ---------------------------------------------------------------------------------------------------
# 3. Are the commands there, and do they answer sensibly? (Each tried once, untimed.)
# ---------------------------------------------------------------------------------------------------
missing=()
have_history=0 have_ps_at=0 have_replay=0
try() { # $1 = key, rest = berth arguments; output in $logs/$1.out
  local key=$1 rc=0; shift
  B "$@" >"$logs/$key.out" 2>&1 </dev/null || rc=$?
  [ "$rc" != 0 ] || return 0
  missing+=("berth $*: exit $rc — $(head -c 400 "$logs/$key.out")")
  return 1
}
if try history history "$id"; then
  have_history=1
  echo "berth history $id: $(wc -l <"$logs/history.out") lines (the log holds $id_events events of it); first lines:"
  head -n 4 "$logs/history.out" | cut -c1-160 | sed 's/^/  /'
fi
if try ps-at ps -a --at "$at_time"; then
  have_ps_at=1
  rows=$(grep -cE '^[0-9a-f]{12} ' "$logs/ps-at.out" || true)   # container rows (ps --at adds a "State at" line)
  echo "berth ps -a --at $at_time: $rows rows (the generator counted $at_containers containers there)"
  [ "$rows" = "$at_containers" ] || note "WARNING: ps --at shows $rows containers, the generator counted $at_containers at #$at_seq"
fi
if try replay audit replay --format json; then
  if jq -e '.records and .millis' "$logs/replay.out" >/dev/null 2>&1; then
    have_replay=1
    echo "berth audit replay --format json: $(jq -c . "$logs/replay.out" | cut -c1-300)"
  else
    missing+=("berth audit replay --format json: no \"records\" and \"millis\" in its answer: $(head -c 400 "$logs/replay.out")")
  fi
fi
try verify audit verify || { note "audit.sh: \`berth audit verify\` failed (the replay anchor): $(cat "$logs/verify.out")"; exit 1; }
if [ "${#missing[@]}" -gt 0 ]; then
  note ""
  note "audit.sh: these commands are missing or failed:"
  for m in "${missing[@]}"; do note "  - $m"; done
  if [ "$allow_missing" = 0 ]; then
    note "(rerun with --allow-missing to measure the anchors and whatever exists)"; exit 1
  fi
  note "(--allow-missing: measuring what exists)"
fi

# ---------------------------------------------------------------------------------------------------
# 4. One hyperfine invocation: history, ps --at and their anchors.
# ---------------------------------------------------------------------------------------------------
keys=() labels=() cmds=()
add() { keys+=("$1"); labels+=("$2"); cmds+=("$3"); }
berth_cmd="$dist/bin/berth -H unix://$sock"
[ "$have_history" = 0 ] || add history "berth history ID" "$berth_cmd history $id"
[ "$have_ps_at" = 0 ] || add ps-at "berth ps -a --at T" "$berth_cmd ps -a --at $at_time"
# The same questions over the API without the CLI's JVM: what a client that is already running (the
# Docker-API socket of issue 8, a native CLI) waits for.
at_encoded=$(jq -rn --arg v "$at_time" '$v | @uri')
[ "$have_history" = 0 ] || add history-http "curl /v1/history (no CLI JVM)" \
  "curl -sf -o /dev/null --unix-socket $sock http://berth/v1/history?target=$id"
[ "$have_ps_at" = 0 ] || add ps-at-http "curl /v1/audit/at?what=ps (no CLI JVM)" \
  "curl -sf -o /dev/null --unix-socket $sock http://berth/v1/audit/at?what=ps&all=1&at=$at_encoded"
add version "berth version (anchor: CLI floor)" "$berth_cmd version"
add grep "grep -cF ID dump (anchor)" "grep -cF $id $dump"
hyperfine_style
args=()
for i in "${!keys[@]}"; do args+=(-n "${labels[$i]}" "${cmds[$i]}"); done
load_before=$(loadavg)
echo
echo "hyperfine: ${#keys[@]} commands, --warmup 3 --runs $runs each, one invocation (load average before: $load_before)"
for i in "${!keys[@]}"; do printf '  %-8s %s\n' "${keys[$i]}" "${cmds[$i]}"; done
hyperfine -N "${style[@]}" --warmup 3 --runs "$runs" --export-json "$json" "${args[@]}" </dev/null

printf 'command\trun\tms\texit_code\n' >"$samples"
for i in "${!keys[@]}"; do
  jq -r --arg k "${keys[$i]}" --argjson n "$i" \
    '.results[$n] as $r | range(0; $r.times | length) as $j | [$k, $j + 1, ($r.times[$j] * 1000 * 1000 | round / 1000), ($r.exit_codes[$j] // "")] | @tsv' \
    "$json" >>"$samples"
done
emit=()
for i in "${!keys[@]}"; do emit+=("${keys[$i]}" "${cmds[$i]}"); done
bench_emit_hyperfine queries "$json" "${emit[@]}"
declare -A med=() mn=() mean=() sd=() label=()
for i in "${!keys[@]}"; do
  k=${keys[$i]}
  label[$k]=${labels[$i]}
  read -r "med[$k]" "mn[$k]" "mean[$k]" "sd[$k]" < <(jq -r --argjson n "$i" \
    '.results[$n] | [.median, .min, .mean, .stddev] | map(. * 1000) | map(tostring) | join(" ")' "$json")
done

# ---------------------------------------------------------------------------------------------------
# 5. Full replay rounds against `berth audit verify`, interleaved.
# ---------------------------------------------------------------------------------------------------
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { sort -n | awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR) printf "%s–%s", a, b }'; }
printf 'round\treplay_wall_ms\treplay_engine_ms\treplay_records\tverify_wall_ms\n' >"$replay_tsv"
echo
echo "replay: 1 untimed warm-up round, then $replays rounds of \`audit replay --format json\` and \`audit verify\`..."
for round in $(seq 0 "$replays"); do
  rw="" rm_="" rr=""
  if [ "$have_replay" = 1 ]; then
    t0=$(date +%s%N)
    B audit replay --format json >"$logs/replay.out" 2>&1 </dev/null || { cat "$logs/replay.out" >&2; note "audit.sh: \`berth audit replay\` failed in round $round"; exit 1; }
    rw=$(ms_since "$t0")
    rm_=$(jq -r .millis "$logs/replay.out")
    rr=$(jq -r .records "$logs/replay.out")
  fi
  t0=$(date +%s%N)
  B audit verify >"$logs/verify.out" 2>&1 </dev/null || { cat "$logs/verify.out" >&2; note "audit.sh: \`berth audit verify\` failed in round $round"; exit 1; }
  vw=$(ms_since "$t0")
  if [ "$round" -gt 0 ]; then
    printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$rw" "$rm_" "$rr" "$vw" >>"$replay_tsv"
    echo "  round $round: replay ${rw:-n/a} ms wall, ${rm_:-n/a} ms engine ($rr records); verify $vw ms wall"
  fi
done
col() { awk -F'\t' -v c="$1" 'NR > 1 && $c != "" { print $c }' "$replay_tsv"; }
replay_wall=$(col 2 | median); replay_engine=$(col 3 | median); verify_wall=$(col 5 | median)
load_after=$(loadavg)
if [ "$have_replay" = 1 ]; then
  # shellcheck disable=SC2046
  bench_emit replay replay-engine 'berth audit replay: the engine'"'"'s "millis"' ms lower "$berth_cmd audit replay --format json" $(col 3)
  # shellcheck disable=SC2046
  bench_emit replay replay-wall "berth audit replay: wall (CLI included)" ms lower "$berth_cmd audit replay --format json" $(col 2)
else
  bench_emit_skipped replay replay-engine "berth audit replay is missing"
fi
# shellcheck disable=SC2046
bench_emit replay verify-wall "berth audit verify: wall (anchor)" ms lower "$berth_cmd audit verify" $(col 5)
bench_emit replay daemon-start "daemon start to GET /v1/info (full replay of the log at start, one start)" ms lower \
  "$dist/bin/berth daemon --root $root --run $brun --plugins $bplugins" "$start_ms"
for m in "${missing[@]}"; do bench_emit_note queries "not measured: ${m%%$'\n'*}"; done
bench_emit_note queries "log: $records records, $(( log_bytes / 1048576 )) MiB in $(S .segments) segments; container $id ($id_events events); T = $at_time (record #$at_seq, $at_containers containers); hyperfine -N --warmup 3 --runs $runs; load average at daemon launch $load_start, before hyperfine $load_before, at the end $load_after"

# ---------------------------------------------------------------------------------------------------
# 6. The summary (markdown).
# ---------------------------------------------------------------------------------------------------
f1() { awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo n/a; }
minus() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f ms", a - b }' || echo n/a; }
verdict() { [ -n "$1" ] || { echo "not measured"; return; }; awk -v v="$1" -v t="$2" 'BEGIN { print (v < t ? "**met**" : "**missed**") }'; }
row() { # key, target text, target ms
  local k=$1
  if [ -n "${med[$k]:-}" ]; then
    echo "| ${label[$k]} | $(f1 "${med[$k]}") | $(f1 "${mn[$k]}") | $(f1 "${mean[$k]}") ± $(f1 "${sd[$k]}") | $2 | ${3:+$(verdict "${med[$k]}" "$3")} |"
  else
    echo "| ${4:-$k} | not measured (command missing) | | | $2 | |"
  fi
}
echo
echo "### audit: history, ps --at, replay on $records events ($stamp)"
echo
echo "Machine: $(nproc) vCPU, $(uname -r), $(java -version 2>&1 | head -n 1); ${berth_version:-berth ?}; hyperfine" \
  "$(hyperfine --version | awk '{ print $2 }') -N --warmup 3 --runs $runs, all in one invocation. Load average at" \
  "daemon launch: $load_start; before hyperfine: $load_before; at the end: $load_after."
echo "Log: $records records, $(( log_bytes / 1048576 )) MiB in $(S .segments) segments, $(S .first) to $(S .last)" \
  "($(S .containersPlanned) containers; generated in $(cat "$gen/generate-ms" 2>/dev/null || echo '?') ms)." \
  "Container: \`$id\` ($name, $id_events events). T = $at_time (record #$at_seq; $at_containers containers exist there)." \
  "Dump: $(( $(stat -c %s "$dump") / 1048576 )) MiB of JSON lines, $dump_hits lines with the id."
echo
echo "| command | median ms | min ms | mean ms ± σ | target | |"
echo "|---|---:|---:|---:|---|---|"
row history "< 200 ms" 200 "berth history ID"
row history-http "< 200 ms" 200 "curl /v1/history"
row ps-at "< 500 ms" 500 "berth ps -a --at T"
row ps-at-http "< 500 ms" 500 "curl /v1/audit/at"
row version ""
row grep ""
echo
echo "| full replay ($replays rounds after a warm-up) | median ms | min–max | target | |"
echo "|---|---:|---|---|---|"
if [ "$have_replay" = 1 ]; then
  echo "| berth audit replay: the engine's \"millis\" | $replay_engine | $(col 3 | minmax) | < 2000 ms | $(verdict "$replay_engine" 2000) |"
  echo "| berth audit replay: wall (CLI included) | $replay_wall | $(col 2 | minmax) | | |"
else
  echo "| berth audit replay | not measured (command missing) | | < 2000 ms | |"
fi
echo "| berth audit verify: wall (anchor) | $verify_wall | $(col 5 | minmax) | | |"
echo "| daemon start to GET /v1/info (one start, full replay at start) | $start_ms | | | |"
echo
echo "Ratios of medians (same run):"
echo
echo "| | ratio | difference |"
echo "|---|---:|---:|"
echo "| history / version (CLI floor) | $(ratio "${med[history]:-}" "${med[version]}") | $(minus "${med[history]:-}" "${med[version]}") |"
echo "| history / grep -cF | $(ratio "${med[history]:-}" "${med[grep]}") | $(minus "${med[history]:-}" "${med[grep]}") |"
echo "| ps --at / version (CLI floor) | $(ratio "${med[ps-at]:-}" "${med[version]}") | $(minus "${med[ps-at]:-}" "${med[version]}") |"
echo "| ps --at / grep -cF | $(ratio "${med[ps-at]:-}" "${med[grep]}") | $(minus "${med[ps-at]:-}" "${med[grep]}") |"
echo "| replay wall / verify wall | $(ratio "$replay_wall" "$verify_wall") | $(minus "$replay_wall" "$verify_wall") |"
echo "| replay engine millis / verify wall | $(ratio "$replay_engine" "$verify_wall") | |"
if [ "${#missing[@]}" -gt 0 ]; then
  echo
  echo "Not measured:"
  for m in "${missing[@]}"; do echo "- ${m%%$'\n'*}"; done
fi
echo
echo "Commands (exactly as timed):"
echo
echo '```'
echo "EVENTS=$events RUNS=$runs REPLAYS=$replays bench/scripts/audit.sh$([ "$allow_missing" = 1 ] && echo ' --allow-missing')"
echo "java -Dberth.audit.seed=$seed -Dberth.audit.days=$days -cp bench/target/benchmarks.jar dev.berth.bench.GenerateAuditLog $gen $events"
echo "hyperfine -N --warmup 3 --runs $runs$(for i in "${!keys[@]}"; do printf " '%s'" "${cmds[$i]}"; done)"
echo "$berth_cmd audit replay --format json    # and: $berth_cmd audit verify"
echo '```'
echo
echo "samples: $samples; replay rounds: $replay_tsv; hyperfine JSON: $json"
