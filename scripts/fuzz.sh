#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [TARGET...]
#
# Runs every decoder of untrusted bytes under libFuzzer (the toolchain's `-sanitize=fuzzer`), one
# target after another, and prints per target the executions, exec/s, time, crashes, hangs,
# unsafe cells and coverage. Targets (default: all four):
#   rawjson    RawJSONDecoder: decodeAll, and feed / feed(borrowing:) / finish on three chunks
#              split at fuzzer-chosen points, which must give the same items
#   engine     EngineStreamDecoder: the same with feed / finish
#   proto      StatusProto.decode (the base64 protobuf of `moby.buildkit.trace` aux messages)
#   sanitizer  Sanitizer, ANSIText (parse, plainText, applyCarriageReturns) and Screen writes;
#              traps on an unsafe string or cell (control, ESC, C1, DEL, BiDi control, U+2028/9)
# Seeds come from the recorded fixtures (BUILDTOP_FIXTURES, default ../shared/fixtures): the
# streams, the decoded aux payloads of the engine streams, the fixtures' log lines and the
# HostileCorpus samples. Work files live in .fuzz/ (gitignored): seeds/, corpus/ (grows across
# runs; FUZZ_FRESH=1 starts it over), artifacts/ (crashing or hanging inputs), logs/.
#
# Environment:
#   FUZZ_RUNS=N       inputs per target (default 10000000)
#   FUZZ_TIMEOUT=S    an input slower than S seconds is a hang (default 10)
#   FUZZ_NICE=N       run under `nice -n N` (default 10)
#   FUZZ_ARGS="..."   extra libFuzzer flags
#
# Exits non-zero when any target crashed, hung or ran out of memory. Takes hours for the default
# 10 million inputs each; not part of scripts/test.sh. The summary is also written to
# .fuzz/summary.txt. Reproduce a crash with
#   SWIFT_BACKTRACE=enable=no .build-fuzz/release/FuzzRawJSON .fuzz/artifacts/rawjson/crash-…
# (FuzzEngineStream, FuzzStatusProto there too; FuzzSanitizer in .build-fuzz-edge/release) and
# shrink it with `-minimize_crash=1 -runs=100000` added.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"

runs=${FUZZ_RUNS:-10000000}
timeout=${FUZZ_TIMEOUT:-10}
niceness=${FUZZ_NICE:-10}
fixtures=${BUILDTOP_FIXTURES:-$root/../shared/fixtures}
work="$root/.fuzz"
all_targets=(rawjson engine proto sanitizer)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    case $t in rawjson | engine | proto | sanitizer) ;; *) echo "unknown target: $t (one of ${all_targets[*]})" >&2; exit 2 ;; esac
done
[[ -d $fixtures/engine && -d $fixtures/rawjson ]] || { echo "no fixtures in $fixtures (set BUILDTOP_FIXTURES)" >&2; exit 2; }

# --- build ---------------------------------------------------------------------------------------
# -sanitize=fuzzer: libFuzzer plus coverage (edges and comparisons) in every Swift module;
# -assert-config Debug keeps the bounds checks of unsafe buffer subscripts in optimized code, so
# a read past a buffer traps instead of reading a neighbour. The sanitizer target is built a
# second time without comparison tracing (`trace-cmp`): on the width tables' binary searches it
# cost two thirds of the time, and its inputs need no magic values.
# (AddressSanitizer with -sanitize=fuzzer left the Swift code without coverage in Swift 6.3.)
common=(-Xswiftc -sanitize=fuzzer -Xswiftc -assert-config -Xswiftc Debug -Xcc -fsanitize=fuzzer-no-link)
edge=(-Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table)
binary() { case $1 in rawjson) echo FuzzRawJSON ;; engine) echo FuzzEngineStream ;; proto) echo FuzzStatusProto ;; sanitizer) echo FuzzSanitizer ;; esac; }
scratch() { case $1 in sanitizer) echo "$root/.build-fuzz-edge" ;; *) echo "$root/.build-fuzz" ;; esac; }
start=$(date +%s)
for t in "${targets[@]}"; do
    flags=("${common[@]}")
    [[ $t == sanitizer ]] && flags+=("${edge[@]}")
    echo "== building $(binary "$t") (${flags[*]})" >&2
    nice -n "$niceness" swift build --package-path Fuzz -c release --scratch-path "$(scratch "$t")" \
        --product "$(binary "$t")" "${flags[@]}" >&2
done
echo "== built in $(($(date +%s) - start)) s" >&2

# --- seed corpora --------------------------------------------------------------------------------
# The split targets read a 5-byte header (two split points and the feeding modes) before the
# stream: each fixture is seeded unsplit and split, in pieces below the length limit.
stream_max=65536
text_max=4096
rm -rf "$work/seeds"
mkdir -p "$work"/{seeds,corpus,artifacts,logs}
[[ ${FUZZ_FRESH:-0} == 1 ]] && rm -rf "$work/corpus"
mkdir -p "$work"/corpus/{rawjson,engine,proto,sanitizer} "$work"/artifacts/{rawjson,engine,proto,sanitizer}
mkdir -p "$work"/seeds/{rawjson,engine,proto,sanitizer} "$work/seeds/pieces"

seed_stream() { # target file
    local target=$1 file=$2 name piece n=0
    name=$(basename "$file")
    rm -f "$work/seeds/pieces/"*
    split -C $((stream_max - 64)) "$file" "$work/seeds/pieces/p"
    for piece in "$work/seeds/pieces/"p*; do
        { printf '\000\000\000\000\000'; cat "$piece"; } > "$work/seeds/$target/$name.$n.whole"
        { printf '\023\067\241\102\005'; cat "$piece"; } > "$work/seeds/$target/$name.$n.split"
        { printf '\377\017\021\000\372'; cat "$piece"; } > "$work/seeds/$target/$name.$n.split2"
        n=$((n + 1))
    done
}
for f in "$fixtures"/rawjson/*.jsonl; do seed_stream rawjson "$f"; done
for f in "$fixtures"/engine/*.stream; do seed_stream engine "$f"; done
# A few values each format must also survive: indented rawjson (buildx 0.12–0.14), stray lines.
printf '\000\001\000\002\003{\n  "vertexes": [\n    {\n      "digest": "sha256:a",\n      "name": "x"\n    }\n  ]\n}\nERROR: failed\n' \
    > "$work/seeds/rawjson/indented"
# proto: every distinct aux payload of the engine streams, decoded.
for f in "$fixtures"/engine/*.stream; do
    { grep -o '"id":"moby.buildkit.trace","aux":"[^"]*"' "$f" || true; } | sed 's/.*"aux":"//; s/"$//' |
        while read -r b64; do
            printf '%s' "$b64" | base64 -d > "$work/seeds/pieces/aux"
            cp "$work/seeds/pieces/aux" "$work/seeds/proto/$(sha1sum < "$work/seeds/pieces/aux" | cut -c1-16)"
        done
done
# sanitizer: distinct log lines of the rawjson fixtures (log data is base64), the plain outputs'
# lines, and the HostileCorpus samples.
for f in "$fixtures"/rawjson/*.jsonl; do
    { grep -o '"data":"[^"]*"' "$f" || true; } | sed 's/"data":"//; s/"$//' | while read -r b64; do
        printf '%s' "$b64" | base64 -d
    done
done > "$work/seeds/pieces/logs"
cat "$fixtures"/engine/*.plain.txt >> "$work/seeds/pieces/logs"
# Lines as they came (with \r), distinct, at most 2000 (chatty's 400000 lines of `seq` are alike).
awk '!seen[$0]++ && n++ < 2000' "$work/seeds/pieces/logs" | split -l 1 -a 4 - "$work/seeds/sanitizer/line-"
if [[ " ${targets[*]} " == *" sanitizer "* ]]; then
    "$(scratch sanitizer)/release/FuzzSanitizer" --dump-hostile-corpus="$work/seeds/sanitizer"
fi
rm -rf "$work/seeds/pieces"
for t in rawjson engine proto sanitizer; do
    echo "== seeds $t: $(find "$work/seeds/$t" -type f | wc -l) files" >&2
done

# --- run -----------------------------------------------------------------------------------------
max_len() { case $1 in sanitizer) echo $text_max ;; *) echo $stream_max ;; esac; }

# The Swift runtime's backtracer would take SIGILL (a trap) before libFuzzer, which then writes
# no crash artifact.
export SWIFT_BACKTRACE=enable=no
failed=0
summary=()
for t in "${targets[@]}"; do
    log="$work/logs/$t.log"
    art="$work/artifacts/$t"
    before=$(find "$art" -type f | wc -l)
    echo "== fuzzing $t: $runs inputs, max_len $(max_len "$t"), timeout ${timeout}s (log: $log)" >&2
    start=$(date +%s)
    status=0
    # shellcheck disable=SC2086
    nice -n "$niceness" "$(scratch "$t")/release/$(binary "$t")" -runs="$runs" -max_len="$(max_len "$t")" -timeout="$timeout" \
        -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_ARGS:-} \
        "$work/corpus/$t" "$work/seeds/$t" > "$log" 2>&1 || status=$?
    secs=$(($(date +%s) - start))
    execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -n 1)
    rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -n 1)
    cov=$(grep -aoE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)
    new=$(find "$art" -type f | wc -l)
    crashes=$(($(grep -acE '^==[0-9]+== ERROR: libFuzzer: (deadly signal|out-of-memory|malloc|fuzz target exited)|ERROR: AddressSanitizer' "$log" || true)))
    hangs=$(($(grep -ac 'ERROR: libFuzzer: timeout' "$log" || true)))
    unsafe=$(($(grep -ac 'Fatal error: unsafe ' "$log" || true)))
    line="$t: ${execs:-?} executions, ${rate:-?} exec/s, ${secs} s, crashes $crashes, hangs $hangs, unsafe cells $unsafe, ${cov:-cov ?}"
    if [[ $status != 0 || $crashes != 0 || $hangs != 0 || $new != "$before" ]]; then
        failed=1
        line+=" -- FAILED (exit $status; new artifacts in $art; see $log)"
        grep -a -m 3 -E 'Fatal error|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY' "$log" >&2 || true
    elif [[ ${execs:-0} -lt $runs ]]; then
        failed=1
        line+=" -- FAILED (fewer than $runs executions)"
    fi
    echo "== $line" >&2
    summary+=("$line")
done

{
    echo
    echo "fuzzing summary (FUZZ_RUNS=$runs, timeout ${timeout}s):"
    printf '  %s\n' "${summary[@]}"
} | tee "$work/summary.txt"
exit $failed
