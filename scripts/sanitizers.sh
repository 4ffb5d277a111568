#!/usr/bin/env bash
# Runs the whole test suite once under a sanitizer, in its own scratch path.
#
#   scripts/sanitizers.sh address     # AddressSanitizer + LeakSanitizer (~6 min build, ~13 min tests)
#   scripts/sanitizers.sh thread      # ThreadSanitizer (~8 min build, longer tests)
#
# FIELDBOOK_SEEDS (default 20 here) bounds the simulation, which dominates the run under a
# sanitizer; the tests start their own PostgreSQL cluster (or use
# FIELDBOOK_TEST_POSTGRES_URL). The log is kept in .build-SANITIZER/test.log; the script
# fails when a test fails or the sanitizer reports anything.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer=${1:-}
case "$sanitizer" in
address | thread) ;;
*)
    echo "usage: scripts/sanitizers.sh address|thread" >&2
    exit 64
    ;;
esac
scratch=.build-$sanitizer
log=$scratch/test.log
export FIELDBOOK_SEEDS=${FIELDBOOK_SEEDS:-20}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:suppressions=$PWD/scripts/asan-suppressions.txt}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan-suppressions.txt:print_suppressions=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0}
swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
mkdir -p "$scratch"
status=0
swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" >"$log" 2>&1 || status=$?
reports=$(grep -c -E "ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer" "$log" || true)
grep -E "Test run with|✘ Test .*failed" "$log" | tail -n 5 || true
echo "sanitizers: $sanitizer: tests exit $status, $reports sanitizer reports (log: $log)"
[ "$status" -eq 0 ] && [ "$reports" -eq 0 ]
