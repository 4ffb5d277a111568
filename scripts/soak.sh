#!/usr/bin/env bash
# Soak: many replicas syncing against one real server for minutes. Each replica is a
# facilitator's laptop with a token for one cohort (the office's sees all); workers pick
# replicas in turn, mark a few attendances and run `fieldbook sync`, as laptops coming
# online would. Every command must succeed, the server's resident memory must stay flat
# (VmRSS sampled every 5 s), and at the end every change each replica wrote is on the
# server exactly once, and the office replica holds exactly what the server holds.
#
#   scripts/soak.sh                                # CI: 20 replicas, 30 s
#   REPLICAS=500 SECONDS_TO_RUN=900 scripts/soak.sh
#
# Environment: REPLICAS (20), COHORTS (5), SECONDS_TO_RUN (30), WORKERS (4 concurrent
# syncs), SEED (1), BIN.
set -euo pipefail
REPLICAS=${REPLICAS:-20}
COHORTS=${COHORTS:-5}
SECONDS_TO_RUN=${SECONDS_TO_RUN:-30}
WORKERS=${WORKERS:-4}
SEED=${SEED:-1}
source "$(dirname "$0")/chaos-lib.sh"
RANDOM=$SEED

work=$(new_workdir soak)
cleanup() {
    local status=$?
    stop_server
    if [ $status -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "soak: files kept in $work" >&2; fi
}
trap cleanup EXIT
fail() { echo "soak: $*" >&2; exit 1; }

server_db="$work/server.sqlite"
port=$(free_port)
url="http://127.0.0.1:$port"
replica_db() { echo "$work/replica-$1.sqlite"; }
office=$(replica_db 0)
"$fbs" token issue --db "$server_db" --name bootstrap --all >/dev/null
start_server "$server_db" "$port" "$work/server.log"

echo "soak: $REPLICAS replicas, $COHORTS cohorts, $WORKERS concurrent syncs, $SECONDS_TO_RUN s, in $work"
setup_start=$(now_ms)
env FIELDBOOK_DB="$office" "$fb" init --name office >/dev/null
env FIELDBOOK_DB="$office" "$fb" remote set "$url" --token "$("$fbs" token issue --db "$server_db" --name office --all)" >/dev/null
for ((c = 0; c < COHORTS; c++)); do
    env FIELDBOOK_DB="$office" "$fb" cohort add --programme NPQH --name "Cohort $c" >/dev/null
    roster_csv $((4000000 + c * 1000)) 30 >"$work/roster.csv"
    env FIELDBOOK_DB="$office" "$fb" participant import --cohort "Cohort $c" "$work/roster.csv" >/dev/null
    for e in 1 2; do
        env FIELDBOOK_DB="$office" "$fb" event add --cohort "Cohort $c" --kind webinar --title "Webinar $e" \
            --starts "2024-03-0${e}T19:00" >/dev/null
    done
done
env FIELDBOOK_DB="$office" "$fb" sync --json >/dev/null
env FIELDBOOK_DB="$office" "$fb" event list --json | python3 -c '
import json, sys
for e in json.load(sys.stdin): print(e["cohort_id"], e["id"])' >"$work/events.txt"
env FIELDBOOK_DB="$office" "$fb" cohort list --json | python3 -c '
import json, sys
for c in json.load(sys.stdin): print(c["name"].split()[-1], c["id"])' | sort -n >"$work/cohorts.txt"
mapfile -t cohort_ids < <(awk '{ print $2 }' "$work/cohorts.txt")
# One token per laptop: the server binds a token to the first replica that syncs with it.
for ((r = 1; r < REPLICAS; r++)); do
    "$fbs" token issue --db "$server_db" --name "laptop-$r" --cohort "${cohort_ids[$((r % COHORTS))]}" >"$work/token-$r"
done
setup_replica() { # a new laptop: init, remote, a first sync that pulls its cohort
    local r=$1
    env FIELDBOOK_DB="$(replica_db "$r")" "$fb" init --name "laptop $r" >/dev/null
    env FIELDBOOK_DB="$(replica_db "$r")" "$fb" remote set "$url" --token "$(cat "$work/token-$r")" \
        >/dev/null
    env FIELDBOOK_DB="$(replica_db "$r")" "$fb" sync --json >/dev/null
}
setups=()
for ((r = 1; r < REPLICAS; r++)); do
    setup_replica "$r" &
    setups+=($!)
    if (( ${#setups[@]} == WORKERS )); then
        for pid in "${setups[@]}"; do wait "$pid"; done
        setups=()
    fi
done
for pid in "${setups[@]}"; do wait "$pid"; done
echo "soak: set up in $(( ($(now_ms) - setup_start) / 1000 )) s"

# The server's memory, every 5 s, while the workers run.
sample() {
    while kill -0 "$server_pid" 2>/dev/null; do
        echo "$(( ($(now_ms) - soak_start) / 1000 )) $(rss_kb "$server_pid")" >>"$work/rss.txt"
        sleep 5
    done
}
worker() { # worker W: replicas W, W+WORKERS, …; each turn marks 1-3 attendances and syncs
    local w=$1 r c event trn status turn=0
    RANDOM=$((SEED * 1000 + w))
    local mine=()
    for ((r = w; r < REPLICAS; r += WORKERS)); do mine+=("$r"); done
    while [ "$(now_ms)" -lt "$soak_end" ]; do
        r=${mine[$((turn % ${#mine[@]}))]}
        turn=$((turn + 1))
        c=$((r % COHORTS))
        if [ "$r" -ne 0 ]; then
            for ((i = 0; i < 1 + RANDOM % 3; i++)); do
                event=$(grep "^${cohort_ids[$c]} " "$work/events.txt" | sed -n "$((1 + RANDOM % 2))p" | cut -d' ' -f2)
                trn=$((4000000 + c * 1000 + RANDOM % 30))
                status=$(echo present late absent excused | cut -d' ' -f$((1 + RANDOM % 4)))
                if env FIELDBOOK_DB="$(replica_db "$r")" "$fb" attend "$event" "$trn" "$status" >/dev/null 2>>"$work/errors-$w"; then
                    echo write >>"$work/ok-$w"
                else
                    echo "attend on replica $r failed" >>"$work/errors-$w"
                fi
            done
        fi
        if env FIELDBOOK_DB="$(replica_db "$r")" "$fb" sync --json >>"$work/syncs-$w" 2>>"$work/errors-$w"; then
            echo sync >>"$work/ok-$w"
        else
            echo "sync on replica $r failed" >>"$work/errors-$w"
        fi
    done
}
soak_start=$(now_ms)
soak_end=$((soak_start + SECONDS_TO_RUN * 1000))
sample &
sampler=$!
pids=()
for ((w = 0; w < WORKERS; w++)); do worker "$w" & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid"; done
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
elapsed=$(( ($(now_ms) - soak_start) / 1000 ))

# Everyone syncs once more, then the office, so it holds everything.
for ((r = 1; r < REPLICAS; r++)); do env FIELDBOOK_DB="$(replica_db $r)" "$fb" sync --json >/dev/null; done
env FIELDBOOK_DB="$office" "$fb" sync --json >/dev/null
metrics=$(python3 -c "import urllib.request; print(urllib.request.urlopen('$url/metrics').read().decode())")
stop_server

errors=$(cat "$work"/errors-* 2>/dev/null | wc -l)
syncs=$(cat "$work"/ok-* 2>/dev/null | grep -c sync || true)
writes=$(cat "$work"/ok-* 2>/dev/null | grep -c write || true)
files=("$server_db")
for ((r = 1; r < REPLICAS; r++)); do files+=("$(replica_db $r)"); done
python3 "$db_tool" verify --scoped "${files[@]}" || fail "verification failed"
python3 "$db_tool" verify "$server_db" "$office" || fail "the office replica differs from the server"
python3 - "$work/rss.txt" "$elapsed" "$syncs" "$writes" "$errors" "$REPLICAS" <<PY
import sys
samples = [tuple(map(int, line.split())) for line in open(sys.argv[1]) if len(line.split()) == 2]
elapsed, syncs, writes, errors, replicas = map(int, sys.argv[2:7])
rounds = [l for l in """$metrics""".splitlines() if l.startswith("fieldbook_sync_rounds_total ")]
kb = [rss for _, rss in samples if rss > 0]
warm = kb[min(len(kb) - 1, max(1, len(kb) // 5))]  # after the first fifth: caches and pools filled
print(f"soak: {replicas} replicas, {elapsed} s: {syncs} syncs ({syncs / max(1, elapsed):.1f}/s), {writes} attendance "
      f"writes, {errors} errors; server {rounds[0].split()[-1] if rounds else '?'} rounds")
print(f"soak: server VmRSS: start {kb[0] // 1024} MiB, after warm-up {warm // 1024} MiB, max {max(kb) // 1024} MiB, "
      f"end {kb[-1] // 1024} MiB ({len(kb)} samples, every 5 s)")
if errors:
    sys.exit("soak: errors, see the errors-* files")
if kb[-1] > warm * 1.5 + 20 * 1024:
    sys.exit("soak: server memory grew after warm-up")
print("soak: ok: 0 errors, server memory flat after warm-up")
PY
