#!/usr/bin/env bash
# Usage: scripts/test.sh [swift test arguments...]
#
# The project's test command (README, .ci/run): installs what is missing from Debian, builds
# buildtop, starts the private Docker engine (stopped again afterwards if this script started it)
# and runs every test, including those that build on the real engine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-interactive=no}
export LANG=${LANG:-C.UTF-8}
"$root/scripts/setup-debian.sh"
# One configuration for the tests and the run command (scripts/build.sh): the binary the tests
# drive is the one scripts/run.sh starts, and running it after the tests compiles nothing.
# (The two products by name: `--build-tests` would also build every example and library product
# of the dependencies, 15.6 minutes here instead of 1.5 beyond the executable.)
"$root/scripts/build.sh" --product buildtop
"$root/scripts/build.sh" --product buildtopPackageTests
mapfile -t flags < <("$root/scripts/build.sh" --print-flags)
export BUILDTOP_REQUIRE_ENGINE=1
exec "$root/scripts/with-engine.sh" swift test "${flags[@]}" --skip-build "$@"
