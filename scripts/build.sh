#!/usr/bin/env bash
# Usage: scripts/build.sh [swift build arguments...]
#
# The one build configuration the run command, the test command and the benchmark share, so what
# one compiled the next reuses (docs/DECISIONS.md, "Footprint"): release (-O), testable (the tests
# use @testable imports), every function in a section of its own (Swift and C) so the linker can
# lay out the code a run needs together (link/buildtop.order). `swift test` takes the same
# arguments: scripts/build.sh --print-flags prints them.
#   scripts/build.sh --product buildtop     the executable (.build/release/buildtop)
#   scripts/build.sh --product buildtopPackageTests   the tests
set -euo pipefail
flags=(-c release -Xswiftc -enable-testing -Xswiftc -Xfrontend -Xswiftc -function-sections
    -Xcc -ffunction-sections -Xcc -fdata-sections)
if [[ ${1:-} == --print-flags ]]; then
    printf '%s\n' "${flags[@]}"
    exit 0
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
exec swift build "${flags[@]}" "$@"
