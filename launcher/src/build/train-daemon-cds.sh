#!/usr/bin/env bash
# Build step (launcher/pom.xml, package phase): writes DIST/lib/daemon.jsa, the AppCDS archive bin/berth gives
# the daemon. It is a dynamic archive of the classes one real start and stop of the daemon loads: the launcher
# and Felix from lib/, and the built-in bundles' classes, which Felix defines from file: code sources. It saves
# the daemon's start about a fifth of its CPU time and shrinks its RSS (archived classes are mapped, not parsed
# into metaspace).
#
# The archive is optional and this step never fails the build: without root (the daemon needs it) or when the
# training start fails, it prints why and leaves no archive. The JVM checks an archive against the JDK, the
# class path jars (size and time) and, for a bundle class, the bytes of the class file (size and CRC), and
# ignores what does not match: a rebuilt, updated or replaced jar simply loads its classes as usual.
# The class path is recorded as bin/berth gives it, relative to the distribution (the daemon's working folder),
# so the archive also serves a copy of the distribution elsewhere (JDK 17 would reject a moved absolute one).
# A TRUNCATED archive, however, crashes JDK 17 at start (SIGBUS while mapping it): so the JVM writes the archive
# to a temporary name, and only an archive the training JVM finished (exit code 0) is moved into place, and
# kept only if a JVM started the way bin/berth does then maps it and loads classes from it.
#
# Usage: train-daemon-cds.sh DIST
set -u
dist=$1
archive="$dist/lib/daemon.jsa"
rm -f "$archive" "$archive.tmp"

skip() {
  echo "[berth] lib/daemon.jsa not built ($1); the daemon starts without it, only slower"
  rm -f "$archive.tmp"
  exit 0
}

[ "$(id -u)" = 0 ] || skip "the training start of the daemon needs root"
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-cds-training.XXXXXX") || skip "cannot create a scratch folder"
trap 'rm -rf "$work"' EXIT
mkfifo "$work/stdout" || skip "cannot create a fifo in $work"

# Exactly the start bin/berth makes (same JVM options and class path), with a scratch state root and run folder.
# The daemon's stdout carries only its ready line; stderr is kept for the message if the start fails.
# The JVM logs every class it loads to classes.log; as it stops, the training daemon links the bundle classes
# in that log that were loaded but never linked, which the JVM would otherwise leave out of a dynamic archive
# (CdsTraining in the launcher).
BERTH_DAEMON_OPTS="-XX:ArchiveClassesAtExit=$archive.tmp -Xlog:class+load=info:file=$work/classes.log:none \
  -Dberth.cds.training.classlog=$work/classes.log" \
  "$dist/bin/berth" daemon --root "$work/root" --run "$work/run" --plugins "$work/plugins" \
  >"$work/stdout" 2>"$work/stderr" &
pid=$!
exec 3<"$work/stdout"
ready=""
read -r -t 120 ready <&3 || true
exec 3<&-
case "$ready" in
  "berth daemon ready"*) ;;
  *)
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    skip "the training start of the daemon did not get ready: $(tail -n 3 "$work/stderr" | tr '\n' ' ')"
    ;;
esac
# A few commands through the CLI socket, as a user's first ones after a start: the daemon runs them with the
# launcher's CLI and answers them through the API server, so their classes (the CLI, Jackson, Netty's HTTP
# codec) are archived too. A daemon fresh from its start spent about 0.3 s on the first command otherwise.
# A failure here only means fewer classes in the archive.
for command in version ps images info; do
  "$dist/bin/berth" -H "unix://$work/run/berth.sock" $command >/dev/null 2>&1 || true
done
# And a pull from a registry that is not there (port 1 on the loopback refuses at once; the pull gives up
# after its retries, about 2 s): the pull stage builds its HTTP client and the JDK its TLS context, the
# first pull's 0.3 s of class loading before its first request.
"$dist/bin/berth" -H "unix://$work/run/berth.sock" pull 127.0.0.1:1/berth-cds-training:none >/dev/null 2>&1 || true
# SIGTERM: the daemon's ordinary stop; the JVM writes the archive as it exits.
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
[ "$code" = 0 ] || skip "the training daemon exited with code $code"
[ -s "$archive.tmp" ] || skip "the JVM wrote no archive: $(tail -n 3 "$work/stderr" | tr '\n' ' ')"

# Put it in place and start a JVM with it the way bin/berth does; keep it only if that JVM maps it and loads
# the launcher's classes from it.
mv -f "$archive.tmp" "$archive" || skip "cannot move the archive into place"
if ! BERTH_DAEMON_OPTS="-Xlog:class+load=info:stdout" "$dist/bin/berth" daemon --help 2>&1 \
    | grep -q "dev.berth.launcher.daemon.DaemonOptions source: shared objects file (top)"; then
  rm -f "$archive"
  skip "a JVM started with it did not use it"
fi
echo "[berth] lib/daemon.jsa built ($(($(stat -c %s "$archive") / 1048576)) MiB)"
