#!/usr/bin/env bash
# Process chaos with the real binaries: SIGKILL `fieldbook sync`, `fieldbook bundle import`,
# `fieldbook participant import` or `fieldbook-server serve` at random moments, restart,
# and check every file with PRAGMA integrity_check after every kill. At the end everyone
# syncs to quiescence and scripts/fieldbook_db.py verifies that no change was lost or
# doubled: identical data and vectors everywhere, each change on the server exactly once,
# and every participant import either whole or absent.
#
#   scripts/chaos-kill.sh                 # 20 kills (CI)
#   KILLS=300 SEED=7 scripts/chaos-kill.sh
#
# Environment: KILLS (20), REPLICAS (4), ROWS (300 participants per import), BATCH
# (2048 bytes per pushed batch), SEED (random), BIN (swift build --show-bin-path).
set -euo pipefail
KILLS=${KILLS:-20}
REPLICAS=${REPLICAS:-4}
ROWS=${ROWS:-300}
BATCH=${BATCH:-2048}
SEED=${SEED:-$(( $(date +%s) % 100000 ))}
source "$(dirname "$0")/chaos-lib.sh"
RANDOM=$SEED

work=$(new_workdir chaos)
cleanup() {
    local status=$?
    stop_server
    if [ $status -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "chaos-kill: seed $SEED: files kept in $work" >&2; fi
}
trap cleanup EXIT

server_db="$work/server.sqlite"
port=$(free_port)
url="http://127.0.0.1:$port"
echo "chaos-kill: seed $SEED, $KILLS kills, $REPLICAS replicas, $ROWS-row imports, $BATCH-byte batches, in $work"

fail() { echo "chaos-kill: $*" >&2; exit 1; }

check_integrity() {
    python3 "$db_tool" integrity "$@" || fail "integrity_check failed after kill $kill ($what)"
    integrity_checks=$((integrity_checks + $#))
}

# Setup: a server, an office replica with a cohort, a roster and events; replicas that pulled them.
"$fbs" token issue --db "$server_db" --name bootstrap --all >/dev/null
start_server "$server_db" "$port" "$work/server.log"
replica_db() { echo "$work/replica-$1.sqlite"; }
for ((r = 0; r < REPLICAS; r++)); do
    env FIELDBOOK_DB="$(replica_db $r)" "$fb" init --name "replica $r" >/dev/null
    token=$("$fbs" token issue --db "$server_db" --name "replica-$r" --all)
    env FIELDBOOK_DB="$(replica_db $r)" "$fb" remote set "$url" --token "$token" >/dev/null
done
office=$(replica_db 0)
env FIELDBOOK_DB="$office" "$fb" cohort add --programme NPQH --name "Chaos" --starts 2024-02-18 >/dev/null
env FIELDBOOK_DB="$office" "$fb" venue add --city Shanghai --school SPBS >/dev/null
venue=$(env FIELDBOOK_DB="$office" "$fb" venue list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
next_trn=1000000
roster_csv $next_trn "$ROWS" >"$work/roster.csv"
next_trn=$((next_trn + ROWS))
env FIELDBOOK_DB="$office" "$fb" participant import --cohort Chaos "$work/roster.csv" >/dev/null
for e in 1 2 3; do
    env FIELDBOOK_DB="$office" "$fb" event add --cohort Chaos --kind face-to-face --title "Module $e" \
        --starts "2024-03-0${e}T09:00" --venue "$venue" --module "$e" >/dev/null
done
expected_participants=$ROWS
for ((r = 0; r < REPLICAS; r++)); do env FIELDBOOK_DB="$(replica_db $r)" "$fb" sync --json >/dev/null; done

# Offline writes on every replica: attendance marks (many replicas marking the same people,
# so there are conflicts to keep) and notes.
read -r -a event_ids <<<"$(env FIELDBOOK_DB="$office" "$fb" event list --json | python3 -c 'import json,sys; print(" ".join(e["id"] for e in json.load(sys.stdin)))')"
statuses=(present late absent excused)
offline_writes() {
    local db=$1 n=$2 i event trn
    for ((i = 0; i < n; i++)); do
        rnd 3; event=${event_ids[$R]}
        rnd 30; trn=$((1000000 + R))
        rnd 4; status=${statuses[$R]}
        rnd 5
        env FIELDBOOK_DB="$db" "$fb" attend "$event" "$trn" "$status" --remark "r$R" >/dev/null
    done
    rnd 100000
    env FIELDBOOK_DB="$db" "$fb" note add --cohort Chaos "note $R from $(basename "$db")" >/dev/null
}
for ((r = 0; r < REPLICAS; r++)); do offline_writes "$(replica_db $r)" 8; done

# How long each operation takes when nobody kills it: the kill lands uniformly within it.
declare -A duration=([sync]=1500 [server]=1500 [bundle]=800 [import]=800)
kills_landed=0
finished_first=0
integrity_checks=0
server_kills=0
declare -A kills_by_kind=()

run_and_kill() { # kind, then the command; kills it at a random moment within its usual duration
    local kind=$1
    shift
    local started delay
    "$@" >/dev/null 2>>"$work/client.log" &
    local pid=$!
    rnd $((duration[$kind] + 1))
    sleep_ms "$R"
    if kill -KILL "$pid" 2>/dev/null; then
        kills_landed=$((kills_landed + 1))
        kills_by_kind[$kind]=$(( ${kills_by_kind[$kind]:-0} + 1 ))
        wait "$pid" 2>/dev/null || true
        last_killed=1
    else
        wait "$pid" && status=0 || status=$?
        finished_first=$((finished_first + 1))
        [ "$status" -eq 0 ] || [ "$status" -eq 69 ] || fail "$kind exited with $status before the kill; see $work/client.log"
        last_killed=0
    fi
}

participant_count() {
    env FIELDBOOK_DB="$1" "$fb" participant list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

for ((kill = 1; kill <= KILLS; kill++)); do
    rnd "$REPLICAS"; r=$R
    db=$(replica_db "$r")
    # Something new to sync most of the time.
    rnd 2; if [ "$R" -eq 0 ]; then offline_writes "$db" 2; fi
    rnd 10
    case $R in
    0 | 1 | 2 | 3)
        what="fieldbook sync on replica $r"
        t0=$(now_ms)
        run_and_kill sync env FIELDBOOK_DB="$db" "$fb" sync --frame-bytes "$BATCH" --json
        [ "$last_killed" -eq 1 ] || duration[sync]=$(( ($(now_ms) - t0) * 11 / 10 ))
        check_integrity "$db" "$server_db"
        ;;
    4 | 5)
        what="fieldbook-server during replica $r's sync"
        env FIELDBOOK_DB="$db" "$fb" sync --frame-bytes "$BATCH" --attempts 10 --json >/dev/null 2>>"$work/client.log" &
        client=$!
        rnd $((duration[server] + 1))
        sleep_ms "$R"
        kill -KILL "$server_pid" 2>/dev/null && kills_landed=$((kills_landed + 1))
        wait "$server_pid" 2>/dev/null || true
        server_kills=$((server_kills + 1))
        kills_by_kind[server]=$(( ${kills_by_kind[server]:-0} + 1 ))
        check_integrity "$server_db"
        start_server "$server_db" "$port" "$work/server.log"
        wait "$client" && status=0 || status=$?
        [ "$status" -eq 0 ] || [ "$status" -eq 69 ] || fail "sync exited with $status after a server kill; see $work/client.log"
        check_integrity "$db" "$server_db"
        ;;
    6 | 7)
        rnd $((REPLICAS - 1)); other=$(( (r + 1 + R) % REPLICAS ))
        what="fieldbook bundle import of replica $other's bundle on replica $r"
        env FIELDBOOK_DB="$(replica_db "$other")" "$fb" bundle export "$work/bundle.fbk" >/dev/null
        t0=$(now_ms)
        run_and_kill bundle env FIELDBOOK_DB="$db" "$fb" bundle import "$work/bundle.fbk"
        [ "$last_killed" -eq 1 ] || duration[bundle]=$(( ($(now_ms) - t0) * 11 / 10 ))
        check_integrity "$db"
        # Importing again is harmless, killed or not.
        env FIELDBOOK_DB="$db" "$fb" bundle import "$work/bundle.fbk" >/dev/null
        ;;
    *)
        what="fieldbook participant import on replica $r"
        roster_csv $next_trn "$ROWS" >"$work/import.csv"
        next_trn=$((next_trn + ROWS))
        before=$(participant_count "$db")
        t0=$(now_ms)
        run_and_kill import env FIELDBOOK_DB="$db" "$fb" participant import --cohort Chaos "$work/import.csv"
        [ "$last_killed" -eq 1 ] || duration[import]=$(( ($(now_ms) - t0) * 11 / 10 ))
        check_integrity "$db"
        after=$(participant_count "$db")
        if [ "$after" -eq "$before" ]; then
            # Killed before the commit: nothing of it is there. Import it again, whole.
            env FIELDBOOK_DB="$db" "$fb" participant import --cohort Chaos "$work/import.csv" >/dev/null
            after=$(participant_count "$db")
        fi
        [ "$after" -eq $((before + ROWS)) ] || fail "participant import left $((after - before)) of $ROWS rows"
        expected_participants=$((expected_participants + ROWS))
        ;;
    esac
done

# Everyone syncs until a whole pass moves nothing.
for pass in $(seq 1 10); do
    moved=0
    for ((r = 0; r < REPLICAS; r++)); do
        out=$(env FIELDBOOK_DB="$(replica_db $r)" "$fb" sync --json)
        if echo "$out" | python3 -c 'import json,sys; p = json.load(sys.stdin); sys.exit(0 if p["sent"] or p["received"] else 1)'; then
            moved=1
        fi
    done
    [ "$moved" -eq 1 ] || break
done
[ "$moved" -eq 0 ] || fail "no quiescence after 10 passes"
stop_server

files=("$server_db")
for ((r = 0; r < REPLICAS; r++)); do files+=("$(replica_db $r)"); done
python3 "$db_tool" verify "${files[@]}" || fail "verification failed"
for f in "${files[@]:1}"; do
    count=$(participant_count "$f")
    [ "$count" -eq "$expected_participants" ] || fail "$f holds $count participants, expected $expected_participants"
done
env FIELDBOOK_DB="$office" "$fb" participant list --json | python3 -c '
import json, sys
trns = [p["trn"] for p in json.load(sys.stdin)]
sys.exit("chaos-kill: doubled participants" if len(trns) != len(set(trns)) else 0)'
kinds=""
for k in "${!kills_by_kind[@]}"; do kinds+="$k ${kills_by_kind[$k]}, "; done
echo "chaos-kill: ok: seed $SEED, $KILLS kill attempts, $kills_landed landed mid-operation (${kinds%, }), $finished_first finished first, $integrity_checks integrity checks all ok, $expected_participants participants, 0 lost or doubled"
