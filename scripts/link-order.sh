#!/usr/bin/env bash
# Usage: scripts/link-order.sh
#
# Remakes link/buildtop.order, the list of functions the linker lays out first (lld
# --symbol-ordering-file, see Package.swift): the functions buildtop runs, recorded with callgrind
# on the private engine while it
#   1. builds examples/multistage (--no-cache) with --progress=plain, then with rawjson,
#   2. builds a step logging 400k lines (the chatty build) and records it in the history,
#   3. replays a recorded stream headless and lists/inspects/compares the history,
#   4. shows the dashboard in tmux: `replay --ui` of the multistage build, then the dashboard
#      itself with its build form, a build launched from it, its log and the history view.
# Code that runs together then shares pages: a run maps fewer of them (docs/DECISIONS.md,
# "Footprint"). The list comes in three groups, each sorted by name: what the headless builds run
# (1), then what the other headless commands add (2), then what the dashboard adds (3); so a plain
# build, the case the benchmark compares with the docker CLI, maps one packed stretch of code.
# A stale list costs nothing but those pages: functions it names that no longer exist are
# skipped, new ones go after it. Run it after large changes and commit the result; SwiftPM does
# not see the list as an input: remove .build/release/buildtop to relink with it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
"$root/scripts/setup-debian.sh" >&2
command -v valgrind >/dev/null || apt-get install -y -q valgrind >&2
"$root/scripts/build.sh" --product buildtop >&2
work=$(mktemp -d /tmp/buildtop-order.XXXXXX)
trap 'tmux -L buildtop-order kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
# Callgrind cannot read the toolchain's DWARF 5: a copy without debug info (symbols kept).
objcopy --strip-debug .build/release/buildtop "$work/buildtop"
export HOME="$work/home" XDG_STATE_HOME="$work/state" DOCKER_CONFIG="$work/docker" BUILDTOP_DEFAULT_NETWORK=none
mkdir -p "$HOME" "$DOCKER_CONFIG" "$work/chatty"
printf 'FROM localbase\nRUN seq 1 400000\n' > "$work/chatty/Dockerfile"
# One wrapper per group; each profile is named after its group.
for group in 1 2 3; do
    cat > "$work/cg$group" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file="$work/cg.$group.%p" --compress-strings=no --demangle=no \
    --dump-instr=no "$work/buildtop" "\$@"
EOF
    chmod +x "$work/cg$group"
done
cat > "$work/workload" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
work=$1 root=$2
cd "$root/examples"
cg=$work/cg1
"$cg" build --progress=plain --no-cache --network none multistage >/dev/null 2>&1
"$cg" build --progress=rawjson --network none multistage >/dev/null 2>"$work/multistage.jsonl"
"$cg" build --progress=plain --no-cache --network none "$work/chatty" >/dev/null 2>&1
"$cg" build --network none failing >/dev/null 2>&1 || true
cg=$work/cg2
"$cg" replay "$work/multistage.jsonl" >/dev/null 2>&1
"$cg" history ls >/dev/null
"$cg" history inspect >/dev/null
"$cg" history diff >/dev/null || true
"$cg" history timeline >/dev/null
"$cg" du >/dev/null
"$cg" builders ls >/dev/null
cg=$work/cg3
# The dashboard, driven in a terminal of its own.
t() { tmux -L buildtop-order "$@"; }
wait_for() { for _ in $(seq 600); do t capture-pane -p -t order 2>/dev/null | grep -q -- "$1" && return 0; sleep 0.2; done; echo "link-order: no '$1' on screen" >&2; t capture-pane -p -t order >&2 || true; return 1; }
t new-session -d -s order -x 140 -y 45 "$cg replay --ui --speed 4 $work/multistage.jsonl"
wait_for "done"
t send-keys -t order q
sleep 3
t new-session -d -s order -x 140 -y 45 "$cg"
wait_for "Context"
t send-keys -t order C-u hello C-l
wait_for "done"
t send-keys -t order Escape n C-u failing C-l
wait_for "failed"
t send-keys -t order Enter
sleep 5
t send-keys -t order Escape H
sleep 5
t send-keys -t order Escape q
sleep 5
t kill-server 2>/dev/null || true
EOF
chmod +x "$work/workload"
"$root/scripts/with-engine.sh" "$work/workload" "$work" "$root"
# Every function named in a profile that the binary defines, by group, each group sorted by name
# and without what an earlier group has.
nm --defined-only .build/release/buildtop | awk '{print $NF}' | sort -u > "$work/defined"
: > "$work/order"
for group in 1 2 3; do
    cat "$work"/cg."$group".* | sed -n 's/^c\{0,1\}fn=//p' | sort -u | comm -12 - "$work/defined" |
        { grep -vxF -f "$work/order" || true; } > "$work/group"
    echo "link-order: group $group: $(wc -l < "$work/group") functions" >&2
    cat "$work/group" >> "$work/order"
done
mkdir -p link
mv "$work/order" link/buildtop.order
echo "link-order: $(wc -l < link/buildtop.order) functions in link/buildtop.order" >&2
