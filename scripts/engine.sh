#!/usr/bin/env bash
# Usage: scripts/engine.sh start|stop|status|host|env
#
# Manages a private Docker Engine (dockerd from Debian's docker.io) for the
# buildtop test-bed. State lives in ${BUILDTOP_STATE_DIR:-<repo>/.state}/engine.
#   start   start the engine (no-op if already running), import the
#           `localbase` image built from busybox-static, and print the
#           DOCKER_HOST value as the last line of stdout
#   stop    stop the engine started from this state folder (idempotent)
#   status  exit 0 if the engine is running and answers /_ping, 1 otherwise
#   host    print unix://<state>/engine/docker.sock (no checks)
#   env     print `export DOCKER_HOST=...`, for: eval "$(scripts/engine.sh env)"
# Informational messages go to stderr. Only ever touches the dockerd /
# containerd processes belonging to this state folder.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STATE_ROOT=${BUILDTOP_STATE_DIR:-$REPO/.state}
[[ "$STATE_ROOT" = /* ]] || STATE_ROOT="$PWD/$STATE_ROOT"
S="${STATE_ROOT%/}/engine"

SOCK="$S/docker.sock"
PIDFILE="$S/docker.pid"
LOG="$S/dockerd.log"
DATA="$S/data"
EXEC="$S/exec"
HOST="unix://$SOCK"
DOCKER=/usr/bin/docker   # Debian's CLI (has buildx); never the one on PATH
START_TIMEOUT=${BUILDTOP_ENGINE_START_TIMEOUT:-60}
STOP_TIMEOUT=20

log() { echo "engine: $*" >&2; }

# Prints "OK" when the engine at $SOCK answers GET /_ping.
ping_ok() {
    [[ -S "$SOCK" ]] || return 1
    [[ "$(curl -s --max-time 3 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null || true)" == OK ]]
}

# Prints the pid from the pidfile if that process is alive and is a dockerd.
pidfile_dockerd() {
    local pid
    [[ -f "$PIDFILE" ]] || return 1
    pid=$(tr -dc '0-9' <"$PIDFILE" 2>/dev/null || true)
    [[ -n "$pid" ]] || return 1
    is_comm "$pid" dockerd || return 1
    echo "$pid"
}

# alive PID: true if PID exists and is not a zombie (a killed daemon that
# nobody has reaped yet still answers kill -0 and still has a comm).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ "${stat:0:1}" != Z ]]
}

# is_comm PID NAME: true if PID is alive and its comm is NAME (the kernel
# truncates comm to 15 characters, e.g. containerd-shim-runc-v2).
is_comm() {
    local comm
    alive "$1" || return 1
    comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
    [[ "$comm" == "${2:0:15}" ]]
}

# pids_with COMM FIXED: pids whose comm is COMM and whose command line
# contains the fixed string FIXED (no regex, so odd paths are safe).
pids_with() {
    local comm=$1 needle=$2 d pid
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        is_comm "$pid" "$comm" || continue
        if tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF -- "$needle"; then
            echo "$pid"
        fi
    done
}

# Our dockerd(s): the pidfile's, plus any dockerd started with our pidfile.
our_dockerds() {
    { pidfile_dockerd || true; pids_with dockerd "--pidfile $PIDFILE "; } | sort -u
}

# Our containerd and its shims (anything referring to $EXEC/), plus runc
# processes of BuildKit builds (referring to $DATA/) a killed dockerd left.
our_containerds() {
    {
        pids_with containerd "$EXEC/"
        pids_with containerd-shim-runc-v2 "$EXEC/"
        pids_with runc "$DATA/"
    } | sort -u
}

any_alive() {
    local p
    for p in "$@"; do alive "$p" && return 0; done
    return 1
}

# terminate NAME TIMEOUT PID...: TERM, wait up to TIMEOUT s, then KILL.
terminate() {
    local name=$1 timeout=$2; shift 2
    [[ $# -gt 0 ]] || return 0
    local deadline=$((SECONDS + timeout))
    kill -TERM "$@" 2>/dev/null || true
    while any_alive "$@" && ((SECONDS < deadline)); do sleep 0.2; done
    if any_alive "$@"; then
        log "$name did not exit within ${timeout}s, sending KILL to $*"
        kill -KILL "$@" 2>/dev/null || true
        sleep 0.5
    fi
}

running() {
    pidfile_dockerd >/dev/null && ping_ok
}

check_path_lengths() {
    # unix socket paths are limited to 108 bytes (incl. NUL); containerd puts
    # its sockets under the exec-root.
    local p
    for p in "$SOCK" "$EXEC/containerd/containerd.sock.ttrpc" "$EXEC/containerd/containerd-debug.sock"; do
        if ((${#p} > 100)); then
            log "socket path too long (${#p} bytes): $p"
            log "set BUILDTOP_STATE_DIR to a shorter directory"
            exit 1
        fi
    done
}

import_localbase() {
    if "$DOCKER" -H "$HOST" image inspect localbase >/dev/null 2>&1; then
        return 0
    fi
    local busybox=/bin/busybox
    if [[ ! -x "$busybox" ]]; then
        log "$busybox missing; run scripts/setup-debian.sh (busybox-static)"
        exit 1
    fi
    if ldd "$busybox" >/dev/null 2>&1; then
        log "warning: $busybox is dynamically linked; install busybox-static"
    fi
    local tmp
    tmp=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'; trap - RETURN" RETURN
    mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc" "$tmp/rootfs/tmp"
    chmod 1777 "$tmp/rootfs/tmp"
    cp "$busybox" "$tmp/rootfs/bin/busybox"
    local applet
    while read -r applet; do
        [[ -n "$applet" && "$applet" != busybox ]] || continue
        ln -s busybox "$tmp/rootfs/bin/$applet"
    done < <("$busybox" --list)
    echo "root:x:0:0:root:/root:/bin/sh" >"$tmp/rootfs/etc/passwd"
    echo "root:x:0:" >"$tmp/rootfs/etc/group"
    tar --numeric-owner -C "$tmp/rootfs" -c . | "$DOCKER" -H "$HOST" import - localbase >/dev/null
    log "imported image localbase (busybox $("$busybox" 2>&1 | head -1 | awk '{print $2}'))"
}

cmd_start() {
    mkdir -p "$S"
    check_path_lengths
    # Serialise concurrent start/stop. fd 9 must not leak into dockerd.
    exec 9>"$S/engine.lock"
    flock -w 120 9 || { log "could not lock $S/engine.lock"; exit 1; }

    local pid
    if pid=$(pidfile_dockerd) && ping_ok; then
        log "already running (pid $pid, state $S)"
        import_localbase
        echo "$HOST"
        return 0
    fi
    if pid=$(pidfile_dockerd); then
        # Live dockerd but no ping: give a starting engine a moment, else restart.
        local deadline=$((SECONDS + 10))
        while ! ping_ok && alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
        if ping_ok; then
            log "already running (pid $pid, state $S)"
            import_localbase
            echo "$HOST"
            return 0
        fi
        log "dockerd pid $pid is not answering; stopping it"
        do_stop
    fi
    # Leftovers from a crashed engine (stale pidfile, socket, orphan containerd).
    # shellcheck disable=SC2046
    terminate containerd 10 $(our_containerds)
    rm -f "$PIDFILE" "$SOCK"
    # dockerd reuses the containerd named in this pidfile if `kill -0` works
    # on it - which a dead-but-unreaped (zombie) containerd still does, and
    # then dockerd times out waiting for it. No live containerd: drop it.
    if [[ -z "$(our_containerds)" ]]; then
        rm -f "$EXEC/containerd/containerd.pid"
    fi

    local dockerd
    dockerd=$(command -v dockerd || true)
    [[ -n "$dockerd" ]] || dockerd=/usr/sbin/dockerd
    if [[ ! -x "$dockerd" ]]; then
        log "dockerd not found; run scripts/setup-debian.sh"
        exit 1
    fi

    mkdir -p "$DATA" "$EXEC"
    {
        echo
        echo "===== $(date -Is) engine.sh start ====="
    } >>"$LOG"
    local t0=${EPOCHREALTIME:-$SECONDS}
    # setsid: own session, so Ctrl-C in the calling terminal and the caller's
    # exit do not reach it; nohup for good measure; stdin from /dev/null.
    PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH" \
        setsid nohup "$dockerd" \
        --data-root "$DATA" \
        --exec-root "$EXEC" \
        --pidfile "$PIDFILE" \
        -H "$HOST" \
        --bridge=none \
        --iptables=false \
        </dev/null >>"$LOG" 2>&1 9>&- &
    local launched=$!
    disown "$launched" 2>/dev/null || true

    local deadline=$((SECONDS + START_TIMEOUT))
    until ping_ok; do
        if ! alive "$launched" && ! pidfile_dockerd >/dev/null; then
            log "dockerd exited during startup; last 30 lines of $LOG:"
            tail -n 30 "$LOG" >&2
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            log "dockerd did not answer /_ping within ${START_TIMEOUT}s; last 30 lines of $LOG:"
            tail -n 30 "$LOG" >&2
            log "stopping the unresponsive dockerd"
            do_stop
            exit 1
        fi
        sleep 0.2
    done
    log "started dockerd pid $(pidfile_dockerd || echo "$launched") in $(awk -v a="$t0" -v b="${EPOCHREALTIME:-$SECONDS}" 'BEGIN{printf "%.1f", b-a}')s (state $S, log $LOG)"
    import_localbase
    echo "$HOST"
}

do_stop() {
    local dpids cpids
    dpids=$(our_dockerds)
    # Record containerd (child of dockerd) before dockerd goes away.
    cpids=$(our_containerds)
    if [[ -n "$dpids" ]]; then
        # shellcheck disable=SC2086
        terminate dockerd "$STOP_TIMEOUT" $dpids
        log "stopped dockerd pid $(echo $dpids)"
    fi
    # dockerd normally shuts its containerd down; make sure it is gone.
    cpids=$(printf '%s\n%s\n' "$cpids" "$(our_containerds)" | grep . | sort -u || true)
    if [[ -n "$cpids" ]]; then
        local deadline=$((SECONDS + 10))
        # shellcheck disable=SC2086
        while any_alive $cpids && ((SECONDS < deadline)); do sleep 0.2; done
        # shellcheck disable=SC2086
        if any_alive $cpids; then
            log "containerd still running, terminating $(echo $cpids)"
            terminate containerd 10 $cpids
        fi
    fi
    if [[ -z "$dpids" ]]; then
        log "not running (state $S)"
    fi
    if ! pidfile_dockerd >/dev/null; then
        rm -f "$PIDFILE"
        # dockerd bind-mounts its data-root (and a killed engine leaves container mounts behind):
        # unmount everything under the state folder, deepest first.
        local mounts
        mounts=$(awk -v s="$S/" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r || true)
        if [[ -n "$mounts" ]]; then
            # shellcheck disable=SC2086
            umount -l $mounts 2>/dev/null || true
        fi
    fi
    rm -f "$SOCK" 2>/dev/null || true
}

cmd_stop() {
    [[ -d "$S" ]] || { log "not running (no state folder $S)"; return 0; }
    exec 9>"$S/engine.lock"
    flock -w 120 9 || { log "could not lock $S/engine.lock"; exit 1; }
    do_stop
}

cmd_status() {
    local pid
    if pid=$(pidfile_dockerd) && ping_ok; then
        log "running (pid $pid, $HOST)"
        return 0
    fi
    log "not running (state $S)"
    return 1
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    status) cmd_status ;;
    host)   echo "$HOST" ;;
    env)    printf 'export DOCKER_HOST=%q\n' "$HOST" ;;
    *)
        echo "usage: $0 start|stop|status|host|env" >&2
        exit 2
        ;;
esac
