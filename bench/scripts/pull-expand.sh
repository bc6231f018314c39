#!/usr/bin/env bash
# Pull-and-expand benchmark (issue 3): Berth against skopeo+umoci and against a bare `tar -xzf`.
#
# Builds (once, cached) a Debian bookworm minbase root with debootstrap (minus the downloaded .debs and
# apt lists, as published images do), packs it as ONE deterministic gzip layer in an OCI layout, pushes
# it to a docker-registry it starts on 127.0.0.1 (free port), then runs ROUNDS rounds. In each round
# every contender starts cold for its own data, and the order of the contenders rotates from round to
# round so that drifting noise hits all of them alike:
#   berth : fresh daemon with a fresh --root (daemon start not timed), then
#           `berth -H unix://RUN/berth.sock pull 127.0.0.1:PORT/debian:bookworm` (fetch + verify + expand)
#   berth-settled : the same, but the pull waits for the daemon's own warm-up to end (its stderr line
#           "berth daemon: warmed up in N ms", about 1 s after the ready line): the first pull a daemon started
#           at boot gets, as a Docker user's first pull meets a dockerd that has been up for a while
#   berth-warm : the same, but the fresh daemon first pulls (untimed) a twin image with other bytes, as a
#           long-running daemon would have: this separates JIT/class-loading warm-up from the pull
#   skopeo+umoci : `skopeo copy docker://... oci:DIR:bookworm` + `umoci unpack --image DIR:bookworm BUNDLE`
#   tar   : `tar --numeric-owner -xzf LAYER.tar.gz -C DIR` of the same layer blob (the unpack floor)
# A `sync` runs (untimed) before each timed command so that no contender pays for another's writeback.
# At the end it compares Berth's snapshot tree with umoci's rootfs once (names, types, sizes, modes,
# owners, link targets, mtimes, file contents).
#
# Usage (as root): bench/scripts/pull-expand.sh
# Environment:
#   ROUNDS            rounds (default 5)
#   BERTH_BENCH_DIR   work dir (default /var/tmp/berth-bench); image cached there, scratch under run/
#   BERTH_DIST        Berth distribution (default: launcher/target/berth of this checkout); it is copied
#                     into the work dir first so a concurrent rebuild cannot change it mid-run
#   BERTH_BENCH_KEEP  1 to keep the last round's trees (default: everything scratch is removed)
#   BERTH_BENCH_SPREAD 1 to flag the scratch directory as an ext4 top directory (chattr +T), so that every
#                     contender's tree, not only Berth's snapshots, starts in a block group of its own: on an
#                     ext4 without a journal this takes the cost of reusing just-freed inodes out of the race
#                     for all of them (default: the trees are placed as a user's would be)
# Output: a table on stdout; every sample in $BERTH_BENCH_DIR/results-<UTC time>.tsv; with BENCH_RESULTS set
#   (bench/run sets it), the samples as JSON lines in that file (see common.sh).
# Needs: debootstrap (installed if missing), docker-registry, skopeo, umoci, curl, jq, python3.
set -euo pipefail

bench_name=pull-expand.sh
bench_key=pull   # the suite's name for it (bench/run)
# shellcheck source=bench/scripts/common.sh
. "$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
rounds=${ROUNDS:-5}

bench_require_root
bench_positive ROUNDS "$rounds"
bench_require_dist
bench_require_tools docker-registry skopeo umoci curl jq python3 flock
command -v debootstrap >/dev/null || apt-get install -y debootstrap

bench_workdir /var/tmp/berth-bench    # the image is cached here; scratch under run/
scratch=$work/run
bench_scratch+=("$scratch")
bench_traps

# ---------------------------------------------------------------------------------------------------
# 1. The image: a debootstrap minbase root, one deterministic gzip layer, an OCI layout. Cached.
# ---------------------------------------------------------------------------------------------------
rootfs=$work/root
if [ ! -e "$work/root.ok" ]; then
  rm -rf "$work/root.tmp" "$rootfs"
  echo "building the Debian bookworm minbase root (debootstrap, about 35 s)..."
  debootstrap --variant=minbase bookworm "$work/root.tmp" >"$work/debootstrap.log" 2>&1
  mv "$work/root.tmp" "$rootfs"
  touch "$work/root.ok"
fi

# What a published image leaves out (as Debian's own images do): downloaded .debs and apt lists.
rm -f "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin
rm -rf "$rootfs"/var/lib/apt/lists/* && mkdir -p "$rootfs/var/lib/apt/lists/partial"

make_layout() { # $1 = name (layout $work/$1, files $work/$1.*), $2 = mtime of every entry; cached
  local name=$1 mtime=$2 out=$work/$1 diff_id layer layer_size config config_size manifest manifest_size
  [ ! -e "$work/$name.ok" ] || return 0
  rm -rf "$out" "$work/registry" && mkdir -p "$out/blobs/sha256"
  tar --sort=name --mtime=@"$mtime" --numeric-owner -C "$rootfs" -cf "$work/$name.tar" .
  diff_id=$(sha256sum "$work/$name.tar" | cut -d' ' -f1)
  stat -c %s "$work/$name.tar" >"$work/$name.tar.size"
  tar -tf "$work/$name.tar" | wc -l >"$work/$name.entries"
  gzip -n -f "$work/$name.tar"
  layer=$(sha256sum "$work/$name.tar.gz" | cut -d' ' -f1)
  layer_size=$(stat -c %s "$work/$name.tar.gz")
  mv "$work/$name.tar.gz" "$out/blobs/sha256/$layer"
  blob() { # writes stdin as a blob, prints "digest size"
    local tmp d; tmp=$(mktemp -p "$work")
    cat >"$tmp"
    d=$(sha256sum "$tmp" | cut -d' ' -f1)
    mv "$tmp" "$out/blobs/sha256/$d"
    echo "$d $(stat -c %s "$out/blobs/sha256/$d")"
  }
  read -r config config_size < <(printf '%s' '{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["bash"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:'"$diff_id"'"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"berth bench: debootstrap --variant=minbase bookworm, mtime '"$mtime"'"}]}' | blob)
  read -r manifest manifest_size < <(printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$config"'","size":'"$config_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'"$layer"'","size":'"$layer_size"'}]}' | blob)
  printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
  printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$manifest"'","size":'"$manifest_size"',"annotations":{"org.opencontainers.image.ref.name":"bookworm"}}]}' >"$out/index.json"
  printf '%s\n' "$layer" >"$work/$name.digest"
  printf '%s\n' "$diff_id" >"$work/$name.diffid"
  touch "$work/$name.ok"
}
# The measured image, and a twin with other bytes (every mtime 1 s later) that only warms the daemon's
# JIT for the "berth-warm" contender: it shares no blob and no snapshot with the measured one.
make_layout oci 0
make_layout oci-warm 1
layout=$work/oci
layer=$(cat "$work/oci.digest")
diff_id=$(cat "$work/oci.diffid")
layer_blob=$layout/blobs/sha256/$layer
# A single layer has chain id = diff id.
chain=$diff_id

# ---------------------------------------------------------------------------------------------------
# 2. A registry on 127.0.0.1, on a free port, holding the image.
# ---------------------------------------------------------------------------------------------------
rm -rf "$scratch" && mkdir -p "$scratch"
spread=${BERTH_BENCH_SPREAD:-0}
if [ "$spread" = 1 ]; then
  chattr +T "$scratch" || { echo "BERTH_BENCH_SPREAD=1: cannot flag $scratch as a top directory (ext2/3/4 only)"; exit 1; }
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/registry"
cat >"$scratch/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$scratch/registry.yml" >"$scratch/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/v2/" >/dev/null || { echo "registry did not start:"; cat "$scratch/registry.log"; exit 1; }
ref=127.0.0.1:$port/debian:bookworm
skopeo copy --quiet --dest-tls-verify=false "oci:$layout:bookworm" "docker://$ref"
warm_ref=127.0.0.1:$port/debian-warmup:bookworm
skopeo copy --quiet --dest-tls-verify=false "oci:$work/oci-warm:bookworm" "docker://$warm_ref"

# A private copy of the distribution (others may rebuild launcher/target while this runs).
dist=$scratch/berth
cp -a "$dist_src" "$dist"
berth=$dist/bin/berth
rundir=$scratch/berth-run
plugins=$scratch/berth-plugins
mkdir -p "$rundir" "$plugins"

start_daemon() { # $1 = state root; waits for the ready line
  local root=$1 out=$scratch/daemon.out
  rm -f "$rundir/berth.sock"
  : >"$out"
  "$berth" daemon --root "$root" --run "$rundir" --plugins "$plugins" >"$out" 2>"$scratch/daemon.err" &
  daemon_pid=$!
  for _ in $(seq 1 600); do
    grep -q "berth daemon ready" "$out" && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "berth daemon did not become ready:"; cat "$out" "$scratch/daemon.err"; exit 1
}
B() { "$berth" -H "unix://$rundir/berth.sock" "$@"; }

# ---------------------------------------------------------------------------------------------------
# 3. The rounds.
# ---------------------------------------------------------------------------------------------------
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$work/results-$stamp.tsv
printf 'round\tcontender\tms\tdetail\n' >"$results"
record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$results"; }

await_warmed_up() { # the daemon's warm-up has ended on its own (not cut short)
  for _ in $(seq 1 600); do
    grep -q "berth daemon: warmed up in" "$scratch/daemon.err" && return 0
    if grep -q "berth daemon: warm-up cut short" "$scratch/daemon.err"; then break; fi
    sleep 0.05
  done
  echo "berth daemon did not report the end of its warm-up (stderr follows):"; cat "$scratch/daemon.err"; exit 1
}

run_berth() { # $1 = round, $2 = cold|settled|warm: a cold daemon has just started; a settled one has ended its
  # own warm-up; a warm one has first pulled the twin image (untimed), so its JIT compiler and class loading have
  # already run the pull path
  local i=$1 mode=$2 root=$scratch/berth-root-$1-$2 name=berth t ms fetch expand
  [ "$mode" = cold ] || name="berth-$mode"
  [ -z "$daemon_pid" ] || { stop_pid "$daemon_pid"; daemon_pid=""; }
  rm -rf "$scratch"/berth-root-*
  start_daemon "$root"
  [ "$mode" != settled ] || await_warmed_up
  [ "$mode" != warm ] || B pull "$warm_ref" >/dev/null
  sync
  t=$(now_ns)
  B pull "$ref" >"$scratch/pull.out"
  ms=$(ms_since "$t")
  fetch=$(B events --filter type=blob.fetched --format json | jq -s -r --arg d "sha256:$layer" \
    '[.[] | select(.payload.digest == $d) | .payload.millis] | first // "?"')
  expand=$(B events --filter type=layer.expanded --format json | jq -s -r --arg c "sha256:$chain" \
    '[.[] | select(.payload.chainId == $c) | .payload.millis] | first // "?"')
  record "$i" "$name" "$ms" "blob.fetched=${fetch}ms layer.expanded=${expand}ms"
  printf '  round %s  %-21s %7s ms  (blob.fetched %s ms, layer.expanded %s ms)\n' "$i" "$name pull" "$ms" "$fetch" "$expand"
  stop_pid "$daemon_pid"; daemon_pid=""
}
run_berth_cold() { run_berth "$1" cold; }
run_berth_settled() { run_berth "$1" settled; }
run_berth_warm() { run_berth "$1" warm; }

run_anchor_a() { # $1 = round
  local i=$1 d=$scratch/umoci-$1 t ms1 ms2
  rm -rf "$scratch"/umoci-* && mkdir -p "$d"
  sync
  t=$(now_ns)
  skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci:$d/oci:bookworm"
  ms1=$(ms_since "$t")
  t=$(now_ns)
  umoci unpack --image "$d/oci:bookworm" "$d/bundle" >/dev/null
  ms2=$(ms_since "$t")
  record "$i" skopeo+umoci $((ms1 + ms2)) "skopeo=${ms1}ms umoci=${ms2}ms"
  printf '  round %s  skopeo copy + umoci   %7s ms  (skopeo %s ms, umoci %s ms)\n' "$i" $((ms1 + ms2)) "$ms1" "$ms2"
}

run_anchor_b() { # $1 = round
  local i=$1 d=$scratch/tar-$1 t ms ms_sync
  rm -rf "$scratch"/tar-* && mkdir -p "$d"
  sync
  t=$(now_ns)
  tar --numeric-owner -xzf "$layer_blob" -C "$d"
  ms=$(ms_since "$t")
  # Not part of the tar figure: what making the tree durable would add (Berth does a syncfs).
  t=$(now_ns)
  sync -f "$d"
  ms_sync=$(ms_since "$t")
  record "$i" tar "$ms" "then sync -f=${ms_sync}ms"
  printf '  round %s  tar -xzf              %7s ms  (then sync -f %s ms, not counted)\n' "$i" "$ms" "$ms_sync"
}

contenders=(run_berth_cold run_anchor_a run_berth_settled run_berth_warm run_anchor_b)
echo "image $ref: layer sha256:$layer, $(stat -c %s "$layer_blob") bytes gzipped, $(cat "$work/oci.tar.size") bytes tar, $(cat "$work/oci.entries") entries"
echo "$rounds rounds, order rotated each round; samples in $results"
for i in $(seq 1 "$rounds"); do
  echo "  round $i  (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  for k in "${!contenders[@]}"; do
    "${contenders[$(( (i - 1 + k) % ${#contenders[@]} ))]}" "$i"
  done
done

# ---------------------------------------------------------------------------------------------------
# 4. The table.
# ---------------------------------------------------------------------------------------------------
samples_of() { awk -F'\t' -v c="$1" 'NR > 1 && $2 == c { print $3 }' "$results"; }
# shellcheck disable=SC2046
{
  bench_emit pull berth "berth pull (cold daemon)" ms lower "$berth -H unix://$rundir/berth.sock pull $ref" $(samples_of berth)
  bench_emit pull berth-settled "berth pull (settled daemon: its warm-up ended)" ms lower "$berth -H unix://$rundir/berth.sock pull $ref" $(samples_of berth-settled)
  bench_emit pull berth-warm "berth pull (warm daemon: a twin image pulled first)" ms lower "$berth -H unix://$rundir/berth.sock pull $ref" $(samples_of berth-warm)
  bench_emit pull skopeo+umoci "skopeo copy + umoci unpack" ms lower "skopeo copy --quiet --src-tls-verify=false docker://$ref oci:DIR/oci:bookworm && umoci unpack --image DIR/oci:bookworm DIR/bundle" $(samples_of skopeo+umoci)
  bench_emit pull tar "tar -xzf of the layer blob" ms lower "tar --numeric-owner -xzf $layer_blob -C DIR" $(samples_of tar)
}
bench_emit_note pull "image $ref: one layer, $(stat -c %s "$layer_blob") bytes gzipped, $(cat "$work/oci.tar.size") bytes of tar, $(cat "$work/oci.entries") entries; $rounds rounds, the contenders' order rotated each round, an untimed sync before each timed command$([ "$spread" = 1 ] && echo "; BERTH_BENCH_SPREAD=1: every contender's tree in a top directory (chattr +T)")"
stats() { # $1 = contender -> "median min max"
  awk -F'\t' -v c="$1" 'NR > 1 && $2 == c { print $3 }' "$results" | sort -n | awk '
    { v[NR] = $1 } END { n = NR; if (n == 0) { print "? ? ?"; exit }
      m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      printf "%d %d %d\n", m, v[1], v[n] }'
}
read -r b_med b_min b_max < <(stats berth)
read -r s_med s_min s_max < <(stats berth-settled)
read -r w_med w_min w_max < <(stats berth-warm)
read -r a_med a_min a_max < <(stats skopeo+umoci)
read -r t_med t_min t_max < <(stats tar)
echo
printf '%-14s %10s %10s %10s\n' contender "median ms" "min ms" "max ms"
printf '%-14s %10s %10s %10s\n' berth "$b_med" "$b_min" "$b_max"
printf '%-14s %10s %10s %10s\n' berth-settled "$s_med" "$s_min" "$s_max"
printf '%-14s %10s %10s %10s\n' berth-warm "$w_med" "$w_min" "$w_max"
printf '%-14s %10s %10s %10s\n' skopeo+umoci "$a_med" "$a_min" "$a_max"
printf '%-14s %10s %10s %10s\n' tar "$t_med" "$t_min" "$t_max"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "MISSED" }'; }
r_a=$(ratio "$b_med" "$a_med"); r_t=$(ratio "$b_med" "$t_med")
echo
echo "berth / (skopeo+umoci) = $r_a (medians; target <= 0.5: $(verdict "$r_a" 0.5))"
echo "berth / tar            = $r_t (medians; target <= 1.5: $(verdict "$r_t" 1.5))"
r_sa=$(ratio "$s_med" "$a_med"); r_st=$(ratio "$s_med" "$t_med")
echo "berth-settled / (skopeo+umoci) = $r_sa (medians; target <= 0.5: $(verdict "$r_sa" 0.5))"
echo "berth-settled / tar            = $r_st (medians; target <= 1.5: $(verdict "$r_st" 1.5))"
r_wa=$(ratio "$w_med" "$a_med"); r_wt=$(ratio "$w_med" "$t_med")
echo "berth-warm / (skopeo+umoci) = $r_wa (medians; target <= 0.5: $(verdict "$r_wa" 0.5))"
echo "berth-warm / tar            = $r_wt (medians; target <= 1.5: $(verdict "$r_wt" 1.5))"
# Per-round ratios (same round, so the same noise).
awk -F'\t' 'NR > 1 { v[$1, $2] = $3; r[$1] = 1 } END {
  for (i in r) printf "  round %s: per skopeo+umoci and per tar: berth %.2f %.2f, berth-settled %.2f %.2f, berth-warm %.2f %.2f\n", i,
    v[i, "berth"] / v[i, "skopeo+umoci"], v[i, "berth"] / v[i, "tar"],
    v[i, "berth-settled"] / v[i, "skopeo+umoci"], v[i, "berth-settled"] / v[i, "tar"],
    v[i, "berth-warm"] / v[i, "skopeo+umoci"], v[i, "berth-warm"] / v[i, "tar"] }' \
  "$results" | sort -k2n

# ---------------------------------------------------------------------------------------------------
# 5. Correctness, once: Berth's snapshot against umoci's rootfs (last round's trees).
# ---------------------------------------------------------------------------------------------------
berth_fs=$(ls -d "$scratch"/berth-root-*/snapshots/"$chain"/fs)
umoci_fs=$(ls -d "$scratch"/umoci-*/bundle/rootfs)
listing() { # directory sizes depend on the filesystem's history, not on the layer: shown as "-"
  (cd "$1" && find . -mindepth 1 -printf '%P %y %s %m %U %G %l\n' | awk '$2 == "d" { $3 = "-" } { print }' | sort)
}
listing "$berth_fs" >"$work/tree-berth.txt"
listing "$umoci_fs" >"$work/tree-umoci.txt"
(cd "$berth_fs" && find . -mindepth 1 -printf '%P %T@\n' | sort) >"$work/mtime-berth.txt"
(cd "$umoci_fs" && find . -mindepth 1 -printf '%P %T@\n' | sort) >"$work/mtime-umoci.txt"
(cd "$berth_fs" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$work/sum-berth.txt"
(cd "$umoci_fs" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$work/sum-umoci.txt"
echo
echo "correctness: berth $berth_fs ($(wc -l <"$work/tree-berth.txt") entries) vs umoci $umoci_fs ($(wc -l <"$work/tree-umoci.txt") entries)"
if diff -u "$work/tree-umoci.txt" "$work/tree-berth.txt" >"$work/tree.diff"; then
  echo "  names, types, sizes, modes, uids, gids, link targets: identical"
else
  echo "  names/types/sizes/modes/owners/links differ ($(grep -c '^[-+][^-+]' "$work/tree.diff") lines; $work/tree.diff):"
  grep '^[-+][^-+]' "$work/tree.diff" | head -20 | sed 's/^/    /'
fi
if diff -q "$work/mtime-umoci.txt" "$work/mtime-berth.txt" >/dev/null; then echo "  mtimes: identical"
else echo "  mtimes differ: $(diff "$work/mtime-umoci.txt" "$work/mtime-berth.txt" | grep -c '^>') entries (diff $work/mtime-umoci.txt $work/mtime-berth.txt)"; fi
if diff -q "$work/sum-umoci.txt" "$work/sum-berth.txt" >/dev/null; then echo "  regular file contents (sha256): identical"
else echo "  regular file contents differ: diff $work/sum-umoci.txt $work/sum-berth.txt"; fi
if [ -s "$work/tree.diff" ] || ! diff -q "$work/mtime-umoci.txt" "$work/mtime-berth.txt" >/dev/null \
   || ! diff -q "$work/sum-umoci.txt" "$work/sum-berth.txt" >/dev/null; then
  bench_emit_note pull "correctness: Berth's snapshot DIFFERS from umoci's rootfs (see the script's output)"
else
  bench_emit_note pull "correctness: Berth's snapshot and umoci's rootfs are identical (names, types, sizes, modes, owners, link targets, mtimes, contents)"
fi
