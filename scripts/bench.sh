#!/usr/bin/env bash
# Usage: scripts/bench.sh
#
# Prints, side by side in one run (ratios, not absolute times: machines are noisy):
#  1. client CPU seconds and peak RSS of `buildtop build --progress=plain` vs
#     `/usr/bin/docker build --progress=plain` on the same build logging 400k lines
#     (`RUN seq 1 400000`, like the chatty fixture), on the private engine;
#  2. replay throughput of a >= 100 MB rawjson file through buildtop's decoder + base64 +
#     reducer vs python3 `json.loads` per line on the same file;
#  3. the dashboard's frame time and idle CPU;
#  4. a 1 GB build context (20k small files, a few large ones) through BuildKit's session:
#     wall time, client CPU and peak RSS of `buildtop build` (native path) vs `/usr/bin/docker
#     build` with BuildKit, from a cold cache and again after touching one file.
#  5. `history ls` of a store of 10,000 builds, and (in 1) the cost of recording each build.
#  6. a stored 100 MB build opened in the dashboard: peak RSS and time, beside json.loads.
#  7. the first frame of the dashboard and of `replay --ui` (beside a shell printing at once) and
#     the README's run command to the dashboard (part 3 gives the dashboard's peak RSS).
# BENCH_ONLY=build|replay|ui|footprint|context|history|stored runs one part.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
"$root/scripts/setup-debian.sh" >&2
command -v python3 >/dev/null || { apt-get install -y -q python3 >&2; }
# The binary the run command starts (scripts/build.sh: the one configuration).
"$root/scripts/build.sh" --product buildtop >&2
bin="$root/.build/release/buildtop"
work=$(mktemp -d /tmp/buildtop-bench.XXXXXX)
# Builds record into a history of their own, not the user's.
export XDG_STATE_HOME="$work/state"
# The docker CLI writes .buildNodeID into its config folder: a temporary one, not ~/.docker.
export DOCKER_CONFIG="$work/docker"
mkdir -p "$DOCKER_CONFIG"
trap 'rm -rf "$work"' EXIT

# Client CPU in microseconds: /usr/bin/time prints 10 ms steps, as much as the recording cost it
# is meant to show on a build whose client needs 40 ms. A small C runner prints wait4's figures
# (user s, system s, peak RSS KiB) for the command it runs; its own child is too small to raise
# the peak RSS the command reaches.
cat > "$work/rusage.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
    if (argc < 3) return 2;
    pid_t pid = fork();
    if (pid == 0) { execvp(argv[2], argv + 2); _exit(127); }
    int status; struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return 2;
    FILE *f = fopen(argv[1], "w");
    if (!f) return 2;
    fprintf(f, "%ld.%06ld %ld.%06ld %ld\n", (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
        (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec, ru.ru_maxrss);
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
EOF
gcc -O2 -o "$work/rusage" "$work/rusage.c"

# --- 1. chatty build ----------------------------------------------------------------------------
bench_build() {
    mkdir -p "$work/chatty"
    printf 'FROM localbase\nRUN seq 1 400000\n' > "$work/chatty/Dockerfile"
    local runs=${BENCH_RUNS:-3}
    printf '\n%-34s %10s %10s %12s\n' "chatty build (${runs} runs, median)" "user+sys s" "peak RSS" "exit"
    for who in buildtop nohistory docker; do
        local cpus=() rsss=() code=0
        for _ in $(seq "$runs"); do
            if [[ $who == buildtop ]]; then
                XDG_STATE_HOME="$work/state" "$work/rusage" "$work/t" "$bin" build --progress=plain --no-cache --network none "$work/chatty" \
                    >/dev/null 2>"$work/out" || code=$?
            elif [[ $who == nohistory ]]; then
                BUILDTOP_HISTORY=off "$work/rusage" "$work/t" "$bin" build --progress=plain --no-cache --network none "$work/chatty" \
                    >/dev/null 2>"$work/out" || code=$?
            else
                DOCKER_BUILDKIT=1 "$work/rusage" "$work/t" /usr/bin/docker build --progress=plain --no-cache \
                    --network none "$work/chatty" >/dev/null 2>"$work/out" || code=$?
            fi
            read -r u s m < <(tail -n 1 "$work/t")
            cpus+=("$(python3 -c "print(round($u+$s,4))")")
            rsss+=("$m")
        done
        local cpu rss
        cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
        rss=$(printf '%s\n' "${rsss[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
        printf '%-34s %10.3f %8s KiB %12s\n' "$who" "$cpu" "$rss" "$code"
        eval "${who}_cpu=$cpu ${who}_rss=$rss"
        grep -c ' ' "$work/out" | xargs printf '%-34s %10s\n' "  ($who printed lines)"
    done
    python3 -c "print('%-34s %10.2fx %10.2fx   (target <= 0.5x)' % ('ratio buildtop/docker', $buildtop_cpu/max($docker_cpu,0.001), $buildtop_rss/$docker_rss))"
    python3 -c "print('%-34s %+9.1f%%             (target <= +5%%)' % ('recording cost (history on vs off)', ($buildtop_cpu/max($nohistory_cpu,0.001)-1)*100))"
    du -sb "$work/state/buildtop" | awk '{printf "%-34s %10.1f MB on disk for %d builds\n", "  (history store)", $1/1e6, '"$runs"'}'
}

# --- 5. history: listing a store of 10,000 builds -----------------------------------------------
bench_history() {
    local state="$work/h10k"
    mkdir -p "$state"
    XDG_STATE_HOME="$state" "$bin" history ls >/dev/null
    sqlite3 "$state/buildtop/builds.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10000)
        INSERT INTO build (ref, name, context, request, builder, path, started_at, ended_at, duration, status, total_steps,
            completed_steps, cached_steps, cache_hits, cache_base, stream_bytes)
        SELECT printf('r%024d', i), 'app' || (i % 50), '/src/app' || (i % 50),
            '{\"name\":\"app\",\"contextPath\":\"/src/app\",\"tags\":[],\"buildArgs\":[],\"labels\":[],\"platforms\":[],\"noCache\":false,\"pull\":false,\"cacheFrom\":[]}',
            'default', 'native', 1795900000 + i * 60, 1795900000 + i * 60 + 12, 12.3,
            CASE WHEN i % 7 = 0 THEN 'failed' ELSE 'completed' END, 9, 9, 4, 3, 5, 40000 FROM n;"
    printf '\n%-34s %10s %12s\n' "history ls, 10,000 builds (median of 5)" "wall ms" "user+sys ms"
    for what in "ls" "ls --format json" "ls --limit 20" "version"; do
        local walls=() cpus=()
        for _ in 1 2 3 4 5; do
            if [[ $what == version ]]; then
                /usr/bin/time -f '%e %U %S' -o "$work/t" "$bin" version >/dev/null
            else
                # shellcheck disable=SC2086
                XDG_STATE_HOME="$state" /usr/bin/time -f '%e %U %S' -o "$work/t" "$bin" history $what >/dev/null
            fi
            read -r e u s < <(tail -n 1 "$work/t")
            walls+=("$(python3 -c "print(int($e*1000))")")
            cpus+=("$(python3 -c "print(int(($u+$s)*1000))")")
        done
        printf '%-34s %10s %12s\n' "buildtop $what" "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n 3p)" "$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n 3p)"
    done
    /usr/bin/time -f '%e' -o "$work/t" sqlite3 "$state/buildtop/builds.db" "SELECT * FROM build ORDER BY seq DESC" >/dev/null
    printf '%-34s %10s   (reference: the same rows from the sqlite3 CLI; target for ls <= 50 ms)\n' "sqlite3 SELECT *" "$(python3 -c "print(int($(tail -n 1 "$work/t")*1000))")"
}

# --- 2. replay throughput -----------------------------------------------------------------------
bench_replay() {
    bench_replay_files
    replay_one "$work/big.jsonl" "chatty-like (log chunks)"
    replay_one "$work/mixed.jsonl" "other fixtures (vertex records)"
}

bench_replay_files() {
    local fixture="$root/../shared/fixtures/rawjson/chatty.jsonl"
    [[ -f $fixture ]] || fixture=${BUILDTOP_FIXTURES:-}/rawjson/chatty.jsonl
    python3 - "$fixture" "$work/big.jsonl" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
lines = open(src, encoding="utf-8").read().splitlines()
size, rep = 0, 0
with open(dst, "w", encoding="utf-8") as out:
    while size < 100 * 1000 * 1000:
        for l in lines:
            l = l.replace('"sha256:', '"sha256:%05d' % rep) + "\n"
            out.write(l)
            size += len(l)
        rep += 1
PY
    # A second file: every other fixture (many small vertex/status records, few logs), repeated with
    # fresh digests -- per-record costs instead of log bytes.
    python3 - "$(dirname "$fixture")" "$work/mixed.jsonl" <<'PY'
import glob, sys
lines = []
for f in sorted(glob.glob(sys.argv[1] + "/*.jsonl")):
    if "chatty" not in f:
        lines += open(f, encoding="utf-8").read().splitlines()
size, rep = 0, 0
with open(sys.argv[2], "w", encoding="utf-8") as out:
    while size < 100 * 1000 * 1000:
        for l in lines:
            l = l.replace('"sha256:', '"sha256:%06d' % rep) + "\n"
            out.write(l)
            size += len(l)
        rep += 1
PY
}

replay_one() {
    local file=$1 label=$2
    local mb
    mb=$(python3 -c "import os;print(round(os.path.getsize('$file')/1e6,1))")
    cat "$file" > /dev/null  # warm the page cache for both
    printf '\n%-34s %10s %10s\n' "replay of ${mb} MB rawjson: $label" "seconds" "MB/s"
    local bt py
    bt=$("$bin" bench-replay "$file")
    local bts btm
    bts=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$bt"); btm=$(sed -E 's/.*MBps=([0-9.]+).*/\1/' <<<"$bt")
    printf '%-34s %10s %10s   (%s)\n' "buildtop decode+base64+reduce" "$bts" "$btm" "$(cut -d' ' -f2-4 <<<"$bt")"
    py=$(python3 - "$file" <<'PY'
import json, sys, time, os
path = sys.argv[1]
t = time.perf_counter()
n = 0
with open(path, "rb") as f:
    for line in f:
        json.loads(line)
        n += 1
s = time.perf_counter() - t
print("%.3f %.1f" % (s, os.path.getsize(path) / 1e6 / s))
PY
)
    printf '%-34s %10s %10s\n' "python3 json.loads per line" ${py}
    python3 -c "print('%-34s %10.2fx   (target >= 2x)' % ('ratio buildtop/python', $btm/${py#* }))"
}

# --- 6. a stored 100 MB build opened in the dashboard ---------------------------------------------
# The chatty-like rawjson of part 2 is recorded into a history (hidden bench-store), then the real
# binary in tmux opens it (H, Enter) under /usr/bin/time: peak RSS and the time until the panel
# says done, beside python's json.loads of the same rawjson.
bench_stored() {
    [[ -f $work/big.jsonl ]] || bench_replay_files
    local state="$work/stored"
    mkdir -p "$state"
    XDG_STATE_HOME="$state" "$bin" bench-store "$work/big.jsonl" >/dev/null
    local stream
    stream=$(ls "$state"/buildtop/builds/*.status)
    local s="bt-stored-$$"
    tmux new-session -d -s "$s" -x 160 -y 50 "cd $work && XDG_STATE_HOME=$state LANG=C.UTF-8 /usr/bin/time -f '%M' -o $work/stored.rss $bin; sleep 30"
    local i
    for i in $(seq 100); do tmux capture-pane -t "$s" -p | grep -q "new build" && break; sleep 0.1; done
    tmux send-keys -t "$s" Escape; sleep 0.3; tmux send-keys -t "$s" H
    for i in $(seq 100); do tmux capture-pane -t "$s" -p | grep -q "history — 1 build" && break; sleep 0.1; done
    local t0 t1
    t0=$(date +%s.%N)
    tmux send-keys -t "$s" Enter
    for i in $(seq 6000); do tmux capture-pane -t "$s" -p | grep -q "✔ done" && break; sleep 0.05; done
    t1=$(date +%s.%N)
    tmux send-keys -t "$s" q
    # The process leaves once the logs it keeps on disk are written.
    for i in $(seq 600); do [[ -s $work/stored.rss ]] && break; sleep 0.1; done
    tmux kill-session -t "$s" 2>/dev/null || true
    local mb secs py
    mb=$(python3 -c "import os;print(round(os.path.getsize('$stream')/1e6,1))")
    secs=$(python3 -c "print(round($t1-$t0,2))")
    py=$(python3 - "$work/big.jsonl" <<'PY'
import json, sys, time
t = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    for line in f:
        json.loads(line)
print("%.2f" % (time.perf_counter() - t))
PY
)
    printf '\n%-44s %10s %12s\n' "stored build (${mb} MB status.v0) in the dashboard" "seconds" "peak RSS"
    printf '%-44s %10s %8s KiB   (target <= 64 MiB)\n' "buildtop: H, Enter until the panel says done" "$secs" "$(tail -n 1 "$work/stored.rss")"
    printf '%-44s %10s\n' "python3 json.loads of the same rawjson" "$py"
    python3 -c "print('%-44s %10.2fx   (target >= 2x)' % ('rate buildtop/python', $py/max($secs,0.001)))"
}

# --- 3. dashboard ----------------------------------------------------------------------------------
bench_ui() {
    printf '\n%s\n' "dashboard frame time (state -> Screen -> diff), 16 builds x 300 steps at 200x60, 2 MiB of log each"
    "$bin" bench-ui --builds 16 --steps 300 --width 200 --height 60 --frames 600 --log-mib 2 | sed 's/^/  /'
    echo "  targets: p99 <= 2 ms; RSS <= 100 MB with the full logs viewable"
    # Idle CPU with finished builds on screen: /proc counters of the real binary in tmux over 30 s.
    local fx="$root/../shared/fixtures"
    [[ -d $fx ]] || fx=${BUILDTOP_FIXTURES:-}
    local s="bt-bench-$$"
    tmux new-session -d -s "$s" -x 200 -y 60 "LANG=C.UTF-8 $bin replay --ui --speed max $fx/engine/multistage.stream $fx/engine/failing.stream $fx/rawjson/chatty.jsonl"
    sleep 3
    local pid
    pid=$(pgrep -n -f "replay --ui --speed max $fx/engine/multistage.stream" || true)
    if [[ -n $pid ]]; then
        local a b ca cb
        a=$(awk '{print $14+$15}' "/proc/$pid/stat"); ca=$(grep voluntary_ctxt_switches "/proc/$pid/status" | head -1 | awk '{print $2}')
        sleep "${BENCH_IDLE_SECONDS:-30}"
        b=$(awk '{print $14+$15}' "/proc/$pid/stat"); cb=$(grep voluntary_ctxt_switches "/proc/$pid/status" | head -1 | awk '{print $2}')
        echo "  idle with 3 finished builds on screen: $((b - a)) CPU ticks (1/$(getconf CLK_TCK) s) and $((cb - ca)) wake-ups in ${BENCH_IDLE_SECONDS:-30} s (target ~0)"
        echo "  its peak RSS: $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") KiB (the docker CLI's on a build: part 1)"
    else
        echo "  idle CPU: could not find the dashboard process"
    fi
    tmux kill-session -t "$s" 2>/dev/null || true
}

# --- 4. big context over the session ------------------------------------------------------------
bench_context() {
    local ctx="$work/ctx-template"
    mkdir -p "$ctx/small"
    python3 - "$ctx" <<'PY'
import os, sys
root = sys.argv[1]
for i in range(20000):
    d = os.path.join(root, "small", "d%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.txt" % i), "wb") as f:
        f.write(os.urandom(1024))
for i in range(4):
    with open(os.path.join(root, "large%d.bin" % i), "wb") as f:
        for _ in range(245):
            f.write(os.urandom(1 << 20))
PY
    # The bind mount needs the whole context, without writing it into a layer.
    printf 'FROM localbase\nRUN --mount=type=bind,target=/ctx du -sk /ctx && echo %s\n' "$RANDOM" > "$ctx/Dockerfile"
    printf '\n%-40s %10s %12s %12s\n' "1 GB context (20k small + 4 large files)" "wall s" "user+sys s" "peak RSS"
    for who in buildtop docker; do
        cp -a "$ctx" "$work/ctx-$who"
        for phase in cold touched; do
            [[ $phase == touched ]] && echo "changed $RANDOM" >> "$work/ctx-$who/small/d000/f00000.txt"
            if [[ $who == buildtop ]]; then
                /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$bin" build --progress=plain --network none "$work/ctx-$who" \
                    >/dev/null 2>"$work/out" || true
            else
                DOCKER_BUILDKIT=1 /usr/bin/time -f '%e %U %S %M' -o "$work/t" /usr/bin/docker build --progress=plain \
                    --network none "$work/ctx-$who" >/dev/null 2>"$work/out" || true
            fi
            read -r e u s m < <(tail -n 1 "$work/t")
            local cpu
            cpu=$(python3 -c "print(round($u+$s,2))")
            printf '%-40s %10s %12s %8s KiB\n' "$who ($phase)" "$e" "$cpu" "$m"
            eval "${who}_${phase}_wall=$e ${who}_${phase}_cpu=$cpu ${who}_${phase}_rss=$m"
            grep -q "transferring context" "$work/out" || echo "  ($who: no context transfer seen)"
        done
        rm -rf "$work/ctx-$who"
    done
    python3 -c "
for phase in ('cold', 'touched'):
    print('%-40s %9.2fx %11.2fx %11.2fx   (targets wall <= 1.0x, CPU and RSS <= 0.5x)' % (
        'ratio buildtop/docker (' + phase + ')',
        $buildtop_cold_wall/$docker_cold_wall if phase == 'cold' else $buildtop_touched_wall/$docker_touched_wall,
        $buildtop_cold_cpu/max($docker_cold_cpu,0.001) if phase == 'cold' else $buildtop_touched_cpu/max($docker_touched_cpu,0.001),
        $buildtop_cold_rss/$docker_cold_rss if phase == 'cold' else $buildtop_touched_rss/$docker_touched_rss))
"
}

# --- 7. footprint: first frame, and the dashboard's memory ---------------------------------------
# Milliseconds from starting a command in a new tmux pane until TEXT is on the pane (tmux polled
# every 2 ms), median of 7; the reference is a shell that prints the text at once, in the same run.
first_screen() {
    python3 - "$@" <<'EOF'
import os, statistics, subprocess, sys, time
text, cmd = sys.argv[1], sys.argv[2]
def once(command):
    sock = 'bt-ff-%d' % os.getpid()
    t0 = time.monotonic()
    subprocess.run(['tmux', '-L', sock, 'new-session', '-d', '-x', '160', '-y', '48', command], check=True)
    try:
        while time.monotonic() - t0 < 30:
            out = subprocess.run(['tmux', '-L', sock, 'capture-pane', '-p'], capture_output=True, text=True).stdout
            if text in out:
                return (time.monotonic() - t0) * 1000
            time.sleep(0.002)
        return float('nan')
    finally:
        subprocess.run(['tmux', '-L', sock, 'kill-server'], capture_output=True)
        time.sleep(0.2)
runs = int(os.environ.get('FF_RUNS', '7'))
ref = statistics.median(once("printf '%s\\n'; sleep 30" % text) for _ in range(runs))
got = statistics.median(once(cmd) for _ in range(runs))
print('%8.0f ms %8.0f ms %8.0f ms' % (got, ref, got - ref))
EOF
}

bench_footprint() {
    # On the private engine, started first so that its start is not counted (nor stopped by a pane).
    local started=0
    "$root/scripts/engine.sh" status >/dev/null 2>&1 || { "$root/scripts/engine.sh" start >/dev/null; started=1; }
    eval "$("$root/scripts/engine.sh" env)"
    local fx="$root/../shared/fixtures"
    [[ -d $fx ]] || fx=${BUILDTOP_FIXTURES:-}
    printf '\n%-44s %11s %11s %11s\n' "first frame (tmux, median of 7)" "to screen" "reference" "buildtop"
    printf '%-44s %s   (target <= 100 ms)\n' "dashboard (buildtop in examples/)" \
        "$(first_screen "builds:" "cd '$root/examples' && LANG=C.UTF-8 $bin")"
    printf '%-44s %s   (target <= 100 ms)\n' "replay --ui of a recorded build" \
        "$(first_screen "builds:" "LANG=C.UTF-8 $bin replay --ui $fx/engine/multistage.stream")"
    # The README's run command, the build up to date (as after the test command), twice.
    printf '%-44s %s\n' "scripts/run.sh to the dashboard, 1st" "$(FF_RUNS=1 first_screen "builds:" "$root/scripts/run.sh")"
    printf '%-44s %s   (target <= 10 s)\n' "scripts/run.sh to the dashboard, 2nd" "$(FF_RUNS=1 first_screen "builds:" "$root/scripts/run.sh")"
    [[ $started == 1 ]] && "$root/scripts/engine.sh" stop >/dev/null
    return 0
}

echo "buildtop benchmarks ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
only=${BENCH_ONLY:-}
[[ -z $only || $only == ui ]] && bench_ui
[[ -z $only || $only == footprint ]] && bench_footprint
[[ -z $only || $only == replay ]] && bench_replay
[[ -z $only || $only == history ]] && bench_history
[[ -z $only || $only == stored ]] && bench_stored
BENCH_ENGINE=1 "$root/scripts/with-engine.sh" true >/dev/null 2>&1 || true
[[ -z $only || $only == build ]] && "$root/scripts/with-engine.sh" bash -c "$(declare -f bench_build); bin='$bin' work='$work' bench_build"
[[ -z $only || $only == context ]] && "$root/scripts/with-engine.sh" bash -c "$(declare -f bench_context); bin='$bin' work='$work' bench_context"
true
