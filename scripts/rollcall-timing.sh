#!/usr/bin/env bash
# How long one roll-call answer takes to commit (issue 11: ≤ 20 ms on this machine), as a
# facilitator gets it: the real `fieldbook rollcall`, answers piped one per line, on a
# replica on disk (not /dev/shm: the commit's fsync is part of the cost).
#
#   scripts/rollcall-timing.sh          # 43 participants, best of 5 runs
#   PEOPLE=200 RUNS=3 scripts/rollcall-timing.sh
#
# An answer's cost is (time of a run with every answer − time of a run with none) / answers:
# start-up, opening the replica and reading the register are the same in both.
set -euo pipefail
PEOPLE=${PEOPLE:-43}
RUNS=${RUNS:-5}
source "$(dirname "$0")/chaos-lib.sh"

work=$(mktemp -d -t fieldbook-rollcall.XXXXXX)
trap 'rm -rf "$work"' EXIT
export FIELDBOOK_DB="$work/replica.sqlite"
"$fb" init --name "Timing laptop" >/dev/null
"$fb" cohort add --programme NPQH --name "Spring 2024" >/dev/null
roster_csv 1000000 "$PEOPLE" >"$work/roster.csv"
"$fb" participant import --cohort "Spring 2024" "$work/roster.csv" >/dev/null
event=$("$fb" event add --cohort "Spring 2024" --kind webinar --title "Webinar 1" --starts 2024-03-06T19:30 --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for ((i = 0; i < PEOPLE; i++)); do echo p; done >"$work/answers"

now_us() { date +%s%6N; }
best() { sort -n | head -n 1; }
none=$(for ((i = 0; i < RUNS; i++)); do
    start=$(now_us)
    "$fb" rollcall "$event" </dev/null >/dev/null
    echo $(($(now_us) - start))
done | best)
every=$(for ((i = 0; i < RUNS; i++)); do
    "$fb" attend "$event" --all unmarked >/dev/null
    start=$(now_us)
    "$fb" rollcall "$event" <"$work/answers" >"$work/out"
    echo $(($(now_us) - start))
done | best)
grep -q "^Marked $PEOPLE (${PEOPLE} present); 0 not marked.$" "$work/out" || {
    tail -n 3 "$work/out"
    echo "rollcall-timing: the run did not mark everyone" >&2
    exit 1
}
per=$(python3 -c "print(f'{($every - $none) / $PEOPLE / 1000:.2f}')")
echo "rollcall: $PEOPLE answers in $((every / 1000)) ms, $((none / 1000)) ms of it start-up and register"
echo "rollcall: $per ms per answer, committed one by one (goal: ≤ 20 ms)"
