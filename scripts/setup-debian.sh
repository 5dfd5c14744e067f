#!/usr/bin/env bash
# Usage: scripts/setup-debian.sh
#
# Installs the Debian packages the buildtop test-bed needs, but only those
# that are missing: docker.io busybox-static tmux libncursesw5-dev curl time python3 procps
# openssh-client gcc libc6-dev libstdc++-12-dev docker-registry libsqlite3-dev sqlite3 (the executable links
# the C++ runtime's archive; GRDB links SQLite; tests and the benchmark read the store with the CLI; python3 runs the `docker` buildx contract double in
# Tests/Doubles and the replay benchmark; ssh-agent, ps, a static C compile and a loopback registry
# with htpasswd serve the native-path tests).
# Runs `apt-get update` once, and only if something has to be installed.
# Meant for root on Debian 12 (uses sudo if not root and sudo exists).
# Prints exactly one line: what it installed, or that nothing was missing.
set -euo pipefail

PACKAGES=(docker.io busybox-static tmux libncursesw5-dev curl time python3 procps openssh-client gcc libc6-dev libstdc++-12-dev docker-registry libsqlite3-dev sqlite3)

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "setup-debian: nothing was missing (${PACKAGES[*]})"
    exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "setup-debian: missing ${missing[*]} and not root (no sudo available)" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# apt's own output goes to stderr so the one-line summary stays on stdout.
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

echo "setup-debian: installed ${missing[*]}"
