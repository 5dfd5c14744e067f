#!/usr/bin/env bash
# Usage: scripts/run.sh [example]   (hello | multistage | failing; default multistage)
#
# The main job (README): installs what is missing, builds buildtop, and builds a bundled example
# on the private test-bed Docker engine (reused when it is already running, otherwise started for
# the run and stopped afterwards).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
example=${1:-multistage}
"$root/scripts/setup-debian.sh"
swift build -c release --product buildtop
exec "$root/scripts/with-engine.sh" "$root/.build/release/buildtop" build --progress=plain --network none \
    -t "buildtop-example-$example" "$root/examples/$example"
