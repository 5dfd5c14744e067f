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
# SwiftPM orders some compile flags by a hash (swift-protobuf's trait defines
# -DFieldMaskUtilities -DBinaryDelimitedStreams came in either order), and Swift seeds its hashes
# per process: each run could recompile SwiftProtobuf and all that imports it. A fixed seed keeps
# the command lines the same from run to run.
# SwiftPM also plans the build again (~7 s) whenever any environment variable differs from the
# last run (TMUX_PANE, CI, TERM…): it runs with a fixed environment of the variables a build needs.
# PATH too: the toolchain's folder and the system's, whatever the caller's PATH (a tmux pane, a
# CI job and pyenv's python each put other folders first, and SwiftPM planned again).
keep=(HOME USER TMPDIR XDG_CACHE_HOME XDG_CONFIG_HOME SDKROOT CC CXX
    GIT_SSL_CAINFO SSL_CERT_FILE SSL_CERT_DIR http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY)
swift=$(command -v swift) || { echo "build: swift is not on PATH (Swift 6.3 from swift.org)" >&2; exit 1; }
swift=$(readlink -f "$swift")
buildenv=(LANG=C.UTF-8 SWIFT_DETERMINISTIC_HASHING=1 "PATH=$(dirname "$swift"):/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
for v in "${keep[@]}"; do [[ -n ${!v+x} ]] && buildenv+=("$v=${!v}"); done
# Through a pipe, never a terminal: on a terminal SwiftPM adds -color-diagnostics to every
# compile command, so a build started from a terminal and one started by CI or a script would
# each recompile what the other built (seen: 40 s to 5 min of needless compiling).
env -i "${buildenv[@]}" swift build "${flags[@]}" "$@" 2>&1 | cat
