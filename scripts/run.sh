#!/usr/bin/env bash
# Usage: scripts/run.sh
#
# The main job (README): installs what is missing, builds buildtop, starts the private test-bed
# Docker engine (reused when it is already running, otherwise started for the session and stopped
# afterwards) and opens the dashboard in examples/, with the new-build form ready: Tab completes
# the context to one of the bundled examples (hello, multistage, failing), Ctrl-L launches.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
"$root/scripts/setup-debian.sh"
"$root/scripts/build.sh" --product buildtop
cd "$root/examples"
# The private engine has no bridge network: prefill the form's Network with "none".
export BUILDTOP_DEFAULT_NETWORK=${BUILDTOP_DEFAULT_NETWORK:-none}
exec "$root/scripts/with-engine.sh" "$root/.build/release/buildtop" "$@"
