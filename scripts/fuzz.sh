#!/usr/bin/env bash
# Runs one libFuzzer target for a given time and reports executions and crashes.
#
#   scripts/fuzz.sh TARGET SECONDS      # TARGET: wire-decode, frame-stream, bundle-import, bundle-frames, csv-import
#   scripts/fuzz.sh all SECONDS         # each target in turn
#
# Builds with Fuzz/build.sh (first time: a few minutes), seeds the corpus from the golden
# vectors (Protocol/vectors) and Fuzz/corpus/TARGET, keeps what the fuzzer finds in
# .build-fuzz/corpus/TARGET and writes crashing inputs to .build-fuzz/crashes/TARGET/
# (copy one to Fuzz/regressions/TARGET/ once fixed: every run replays those first).
# Replay one with: .build-fuzz/fuzz/TARGET .build-fuzz/crashes/TARGET/crash-…
# Exit status 1 when a crash was found.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 2 ]; then
    echo "usage: scripts/fuzz.sh TARGET|all SECONDS" >&2
    exit 64
fi
target=$1
seconds=$2
if [ "$target" = all ]; then
    status=0
    for file in Fuzz/Targets/*.swift; do
        "$0" "$(basename "$file" .swift)" "$seconds" || status=1
    done
    exit $status
fi
[ -f "Fuzz/Targets/$target.swift" ] || { echo "fuzz: no target $target in Fuzz/Targets" >&2; exit 64; }

Fuzz/build.sh "$target" >/dev/null
corpus=.build-fuzz/corpus/$target
crashes=.build-fuzz/crashes/$target
seeds=.build-fuzz/seeds
mkdir -p "$corpus" "$crashes"
python3 Fuzz/make-corpus.py "$seeds" >/dev/null
seed_dirs=()
[ -d "$seeds/$target" ] && seed_dirs+=("$seeds/$target")
[ -d "Fuzz/corpus/$target" ] && seed_dirs+=("Fuzz/corpus/$target")
# Inputs that once crashed a target: replayed first by every run.
[ -d "Fuzz/regressions/$target" ] && seed_dirs+=("Fuzz/regressions/$target")
before=$(find "$crashes" -type f | wc -l)
log=.build-fuzz/$target.log
# Swift's own crash handler would hide the crash from libFuzzer; leaks at exit are the runtime's.
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
    ".build-fuzz/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=4096 \
    -max_len=65536 -detect_leaks=0 -artifact_prefix="$crashes/" "$corpus" "${seed_dirs[@]}" >"$log" 2>&1 || true
executions=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
rate=$(awk '/stat::average_exec_per_sec/ { print $2 }' "$log" | tail -1)
after=$(find "$crashes" -type f | wc -l)
found=$((after - before))
echo "fuzz: $target: ${executions:-0} executions in $seconds s (${rate:-0}/s), corpus $(find "$corpus" -type f | wc -l) inputs, $found new crashes (log: $log)"
if [ "$found" -gt 0 ]; then
    find "$crashes" -type f -newer "$log" -o -type f -cnewer "$seeds" | head -5 | sed 's/^/fuzz:   /'
    grep -m1 -E "Fatal error|ERROR: AddressSanitizer|deadly signal|SUMMARY" "$log" | sed 's/^/fuzz:   /' || true
    exit 1
fi
