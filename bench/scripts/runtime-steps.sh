#!/bin/sh
# One container's life as three commands of a bare OCI runtime, the way an engine that keeps create and start
# apart (Berth, podman, Docker) drives it: `create` (the init process waits in the runtime), `start`, then
# `delete --force` (the container's `true` has usually ended by then; --force kills it when it has not).
# bench/scripts/run.sh times it beside the runtime's one `run` of the same bundle.
# Usage: runtime-steps.sh RUNTIME BUNDLE ID
set -e
runtime=$1 bundle=$2 id=$3
"$runtime" create --bundle "$bundle" "$id" </dev/null >/dev/null 2>&1
"$runtime" start "$id"
"$runtime" delete --force "$id"
