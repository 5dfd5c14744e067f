#!/usr/bin/env bash
# Usage: scripts/with-engine.sh CMD [ARGS...]
#
# Runs CMD against the private test-bed Docker Engine:
#   1. scripts/setup-debian.sh (installs missing packages),
#   2. scripts/engine.sh start, unless the engine is already running,
#   3. exports DOCKER_HOST and BUILDTOP_TEST_DOCKER_HOST to its socket,
#   4. runs CMD,
#   5. stops the engine again, but only if this script started it
#      (also on failure and Ctrl-C).
# Exits with CMD's exit status.
# Example: scripts/with-engine.sh /usr/bin/docker version
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ENGINE="$HERE/engine.sh"

"$HERE/setup-debian.sh" >&2

started=0
cleanup() {
    if [[ $started -eq 1 ]]; then
        started=0
        "$ENGINE" stop || echo "with-engine: stopping the engine failed" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if ! "$ENGINE" status 2>/dev/null; then
    started=1   # set first, so a Ctrl-C during start still cleans up
    "$ENGINE" start >/dev/null
fi

DOCKER_HOST=$("$ENGINE" host)
export DOCKER_HOST
export BUILDTOP_TEST_DOCKER_HOST="$DOCKER_HOST"

set +e
"$@"
status=$?
set -e
exit "$status"
