#!/usr/bin/env bash
# Network chaos with the real binaries: a new laptop's first sync through
# scripts/chaos_proxy.py, a loopback TCP proxy that throttles and resets the connection
# every K bytes (both directions together), as the field links Fieldbook exists for do.
#
# For each K: the laptop pulls a roster of Chinese names and emails with short
# `fieldbook sync --timeout` runs, each of which must keep the frames it received (the
# roster grows run by run, never restarts from zero), until one completes; then it marks
# attendance offline and pushes the marks through the same link. The replicas must
# converge and no pushed change may be merged twice. (What each cut loses, at most the
# frame in flight, is measured exactly by ResumabilityTests, which sees every frame.)
#
#   scripts/chaos-net.sh                                  # CI: 3,000 participants, 200 marks, 30 kB/s, K = 16, 32, 64 KB
#   CUTS=65536 ROWS=10000 RATE=100000 scripts/chaos-net.sh
#
# Environment: ROWS (participants, 3000), MARKS (attendance marks pushed, one `fieldbook attend` each, 200), RATE (bytes/s
# per direction, 30000), CUTS (the K values, "16384 32768 65536"), RUN_TIMEOUT (seconds
# of each short pull run, 6), ATTEMPTS (--attempts, 30).
set -euo pipefail
ROWS=${ROWS:-3000}
MARKS=${MARKS:-200}
RATE=${RATE:-30000}
CUTS=${CUTS:-"16384 32768 65536"}
RUN_TIMEOUT=${RUN_TIMEOUT:-6}
ATTEMPTS=${ATTEMPTS:-30}
source "$(dirname "$0")/chaos-lib.sh"

work=$(new_workdir chaosnet)
proxy_pid=
cleanup() {
    local status=$?
    [ -z "$proxy_pid" ] || kill "$proxy_pid" 2>/dev/null || true
    stop_server
    if [ $status -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "chaos-net: files kept in $work" >&2; fi
}
trap cleanup EXIT
fail() { echo "chaos-net: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }

# A roster of Chinese names, schools and emails.
chinese_roster() {
    python3 - "$1" <<'PY'
import sys
family, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
print("name,trn,school,city,email")
for i in range(int(sys.argv[1])):
    name = family[i % len(family)] + given[i // len(family) % len(given)] + given[i % len(given)]
    print(f"{name},{6000000 + i},上海市第{i % 40 + 1}中学,上海,teacher{i}@school{i % 40}.edu.cn")
PY
}

server_db="$work/server.sqlite"
port=$(free_port)
"$fbs" token issue --db "$server_db" --name bootstrap --all >/dev/null
start_server "$server_db" "$port" "$work/server.log"
metric() {
    python3 -c "import re,sys,urllib.request; t=urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode(); print(int(float(re.search(r'^$1 ([0-9.e+]+)$', t, re.M).group(1))))"
}

office="$work/office.sqlite"
env FIELDBOOK_DB="$office" "$fb" init --name office >/dev/null
env FIELDBOOK_DB="$office" "$fb" remote set "http://127.0.0.1:$port" \
    --token "$("$fbs" token issue --db "$server_db" --name office --all)" >/dev/null
env FIELDBOOK_DB="$office" "$fb" cohort add --programme NPQH --name "Net" --starts 2024-02-18 >/dev/null
chinese_roster "$ROWS" >"$work/roster.csv"
env FIELDBOOK_DB="$office" "$fb" participant import --cohort Net "$work/roster.csv" >/dev/null
events=()
for i in $(seq 1 $(( (MARKS + ROWS - 1) / ROWS > 20 ? (MARKS + ROWS - 1) / ROWS : 20 ))); do
    events+=("$(env FIELDBOOK_DB="$office" "$fb" event add --cohort Net --kind webinar --title "Webinar $i" \
        --starts "2024-04-$(printf %02d $(( i % 28 + 1 )))T19:30" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')")
done
env FIELDBOOK_DB="$office" "$fb" sync --json >"$work/office-1.json"
per_event=$(( (MARKS + ${#events[@]} - 1) / ${#events[@]} ))

statuses=(present late absent excused)
round=0
for cut in $CUTS; do
    # Each laptop marks the same people with another status, so every mark is a change.
    mark=${statuses[$((round % 4))]}
    round=$((round + 1))
    echo "chaos-net: a new laptop, $ROWS participants and $MARKS marks through $RATE B/s with a reset every $cut bytes"
    rm -f "$work/proxy.json" "$work/proxy.port"
    python3 "$root/scripts/chaos_proxy.py" --listen 0 --target "127.0.0.1:$port" --rate "$RATE" --cut-every "$cut" \
        --stats "$work/proxy.json" --port-file "$work/proxy.port" &
    proxy_pid=$!
    for _ in $(seq 1 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
    laptop="$work/laptop-$cut.sqlite"
    env FIELDBOOK_DB="$laptop" "$fb" init --name "laptop $cut" >/dev/null
    env FIELDBOOK_DB="$laptop" "$fb" remote set "http://127.0.0.1:$(cat "$work/proxy.port")" \
        --token "$("$fbs" token issue --db "$server_db" --name "laptop-$cut" --cohort Net)" >/dev/null
    start=$(now_ms)

    # Short runs: each must keep what it received; the roster grows until a run completes.
    runs=0 held=0 grew=0 received=0
    while true; do
        runs=$((runs + 1))
        [ $runs -le 60 ] || fail "the pull did not complete in 60 runs of ${RUN_TIMEOUT} s"
        status=0
        env FIELDBOOK_DB="$laptop" "$fb" sync --json --timeout "$RUN_TIMEOUT" --attempts "$ATTEMPTS" \
            >"$work/pull-$cut-$runs.json" 2>"$work/pull-$cut-$runs.err" || status=$?
        now=$(env FIELDBOOK_DB="$laptop" "$fb" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["participants"])')
        [ "$now" -ge "$held" ] || fail "run $runs lost participants: $held before, $now after"
        [ "$now" -gt "$held" ] && grew=$((grew + 1))
        held=$now
        if [ $status -eq 0 ]; then
            received=$((received + $(json "$work/pull-$cut-$runs.json" '["received"]')))
            break
        fi
        [ $status -eq 69 ] || fail "run $runs exited $status: $(cat "$work/pull-$cut-$runs.err")"
        grep -q "kept the" "$work/pull-$cut-$runs.err" || [ "$now" -eq 0 ] \
            || fail "run $runs did not say what it kept: $(cat "$work/pull-$cut-$runs.err")"
    done
    [ "$held" -eq "$ROWS" ] || fail "the laptop holds $held of $ROWS participants"
    pull_seconds=$(( ($(now_ms) - start) / 1000 ))

    # Offline marks, then one push through the same link.
    n=0
    for event in "${events[@]}"; do
        for trn in $(seq $((6000000 + n)) $((6000000 + n + per_event - 1))); do
            [ $n -lt "$MARKS" ] || break 2
            env FIELDBOOK_DB="$laptop" "$fb" attend "$event" "$trn" "$mark" >/dev/null
            n=$((n + 1))
        done
    done
    merged_before=$(metric fieldbook_changes_merged_total)
    in_before=$(metric fieldbook_changes_received_total)
    env FIELDBOOK_DB="$laptop" "$fb" sync --json --attempts "$ATTEMPTS" >"$work/push-$cut.json" 2>"$work/push-$cut.err" \
        || fail "the push did not complete: $(tail -n 3 "$work/push-$cut.err")"
    pushed_twice=$(( $(metric fieldbook_changes_received_total) - in_before - ($(metric fieldbook_changes_merged_total) - merged_before) ))
    kill "$proxy_pid" 2>/dev/null || true
    wait "$proxy_pid" 2>/dev/null || true
    proxy_pid=

    cuts=$(json "$work/proxy.json" '["cuts"]')
    frames=$(json "$work/push-$cut.json" '["frames"]')
    echo "chaos-net: K=$cut: pulled $ROWS participants in $runs runs ($grew of them grew the roster) in ${pull_seconds} s;" \
        "pushed $(json "$work/push-$cut.json" '["sent"]') changes; $cuts cuts over $(json "$work/proxy.json" '["connections"]') connections," \
        "$(json "$work/proxy.json" '["bytes_up"]') bytes up, $(json "$work/proxy.json" '["bytes_down"]') bytes down"
    bytes_down=$(python3 -c "import json,glob; print(sum(json.load(open(f))['bytes_down'] for f in glob.glob('$work/pull-$cut-*.json') if open(f).read().strip()))" 2>/dev/null || echo 0)
    echo "chaos-net: K=$cut: the laptop received $bytes_down bytes in its completed pull runs; pushed changes merged twice: $pushed_twice"
    [ "$cuts" -gt 0 ] || fail "the proxy never cut the connection; lower CUTS"
    [ "$grew" -ge 1 ] || fail "no run kept anything"
    [ "$pushed_twice" -eq 0 ] || fail "$pushed_twice pushed changes were merged twice"
done

# Everyone syncs once more on a good link (each laptop's device rows reach the others).
for laptop in "$work"/laptop-*.sqlite "$office" "$work"/laptop-*.sqlite; do
    env FIELDBOOK_DB="$laptop" "$fb" sync --server "http://127.0.0.1:$port" --json >/dev/null
done
stop_server
python3 "$db_tool" verify "$server_db" "$office" "$work"/laptop-*.sqlite || fail "the replicas differ after the chaos"
echo "chaos-net: ok: every laptop completed, every run kept its frames, the replicas converge"
