#!/usr/bin/env bash
# Network chaos with the real binaries: `fieldbook sync` through scripts/chaos_proxy.py, a
# loopback TCP proxy that throttles, stalls and cuts the connection every K bytes. The
# sync must complete (it retries), the data must converge, and the bytes lost to each cut
# (the request and response in flight, which are sent again) must stay within one round:
# one pushed batch up and one pulled batch down, never a restart from zero.
#
#   scripts/chaos-net.sh                                # CI size
#   ROWS=10000 RATE=30000 CUT=100000 STALL_EVERY=100000 STALL=3 scripts/chaos-net.sh   # documented
#
# Environment: ROWS (3000 participants on each side), RATE (bytes/s per direction, 100000),
# CUT (bytes per connection before a reset, 100000), STALL_EVERY (bytes, 80000), STALL
# (seconds, 1), BATCH (--batch-bytes of the pushes, 16384), ATTEMPTS (--attempts, 30).
set -euo pipefail
ROWS=${ROWS:-3000}
RATE=${RATE:-100000}
CUT=${CUT:-100000}
STALL_EVERY=${STALL_EVERY:-80000}
STALL=${STALL:-1}
BATCH=${BATCH:-16384}
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

server_db="$work/server.sqlite"
port=$(free_port)
"$fbs" token issue --db "$server_db" --name bootstrap --all >/dev/null
start_server "$server_db" "$port" "$work/server.log"

office="$work/office.sqlite"
field="$work/field.sqlite"
env FIELDBOOK_DB="$office" "$fb" init --name office >/dev/null
env FIELDBOOK_DB="$office" "$fb" remote set "http://127.0.0.1:$port" \
    --token "$("$fbs" token issue --db "$server_db" --name office --all)" >/dev/null
env FIELDBOOK_DB="$office" "$fb" cohort add --programme NPQLT --name "Net" --starts 2024-02-18 >/dev/null
roster_csv 2000000 "$ROWS" >"$work/office.csv"
env FIELDBOOK_DB="$office" "$fb" participant import --cohort Net "$work/office.csv" >/dev/null
env FIELDBOOK_DB="$office" "$fb" sync --json >"$work/office-1.json"

python3 "$root/scripts/chaos_proxy.py" --listen 0 --target "127.0.0.1:$port" --rate "$RATE" --cut-every "$CUT" \
    --stall-every "$STALL_EVERY" --stall-seconds "$STALL" --stats "$work/proxy.json" --port-file "$work/proxy.port" &
proxy_pid=$!
for _ in $(seq 1 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
proxy="http://127.0.0.1:$(cat "$work/proxy.port")"
env FIELDBOOK_DB="$field" "$fb" init --name field >/dev/null
env FIELDBOOK_DB="$field" "$fb" remote set "$proxy" \
    --token "$("$fbs" token issue --db "$server_db" --name field --all)" >/dev/null

echo "chaos-net: $ROWS participants each way through $RATE B/s, a cut every $CUT bytes, a ${STALL} s stall every $STALL_EVERY bytes"
start=$(now_ms)
# The field laptop pulls the office's roster through the bad link, adds its own offline,
# and pushes it through the same link.
# Without --json, sync prints its progress after every round: the batch sizes, from the differences.
env FIELDBOOK_DB="$field" "$fb" sync --attempts "$ATTEMPTS" --batch-bytes "$BATCH" >"$work/pull.txt" 2>"$work/pull.progress" \
    || fail "the pull did not complete; see $work/proxy.json"
roster_csv 3000000 "$ROWS" >"$work/field.csv"
env FIELDBOOK_DB="$field" "$fb" participant import --cohort Net "$work/field.csv" >/dev/null
env FIELDBOOK_DB="$field" "$fb" sync --attempts "$ATTEMPTS" --batch-bytes "$BATCH" >"$work/push.txt" 2>"$work/push.progress" \
    || fail "the push did not complete; see $work/proxy.json"
seconds=$(( ($(now_ms) - start) / 1000 ))
env FIELDBOOK_DB="$office" "$fb" sync --json >"$work/office-2.json"
python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode())" \
    >"$work/metrics.txt"
stop_server
python3 "$db_tool" verify "$server_db" "$office" "$field" || fail "the replicas differ after the chaos"

python3 - "$work" "$BATCH" "$seconds" <<'PY'
import json, re, sys
work, batch, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3]
load = lambda name: json.load(open(f"{work}/{name}"))


def rounds(name):
    """Per round (sent, received), from the progress lines of a sync without --json."""
    totals = [(int(m.group(2)), int(m.group(3))) for m in re.finditer(
        r"round (\d+): ↑ (\d+) changes ↓ (\d+) changes", open(f"{work}/{name}.progress").read())]
    return [(s - ps, r - pr) for (s, r), (ps, pr) in zip(totals, [(0, 0)] + totals)]


proxy = load("proxy.json")
pull, push = rounds("pull"), rounds("push")
metrics = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(fieldbook_\w+) ([0-9.e+]+)$", open(f"{work}/metrics.txt").read(), re.M)}
received = load("office-1.json")["received"] + sum(r for _, r in pull + push) + load("office-2.json")["received"]
resent_up = int(metrics["fieldbook_changes_received_total"] - metrics["fieldbook_changes_merged_total"])
resent_down = int(metrics["fieldbook_changes_sent_total"]) - received
retries = int(metrics["fieldbook_sync_rounds_total"]) - len(pull) - len(push) - load("office-1.json")["rounds"] \
    - load("office-2.json")["rounds"]
cuts = proxy["cuts"]
push_batch = max(s for s, _ in push)
pull_batch = max(r for _, r in pull + push)
print(f"chaos-net: synced in {seconds} s: pulled {sum(r for _, r in pull)} changes in {len(pull)} rounds, "
      f"pushed {sum(s for s, _ in push)} in {len(push)} rounds; {retries} rounds answered twice")
print(f"chaos-net: {proxy['connections']} connections, {cuts} cuts, {proxy['stalls']} stalls, "
      f"{proxy['bytes_up']} bytes up, {proxy['bytes_down']} bytes down")
print(f"chaos-net: bytes lost in flight per cut (the round is then sent again): max {proxy['resent_per_cut_max']} "
      f"(up {proxy['resent_up_max']}, down {proxy['resent_down_max']}), mean {proxy['resent_per_cut_mean']}, "
      f"total {proxy['resent_total']}")
print(f"chaos-net: one round is at most {proxy['largest_request']} bytes up (--batch-bytes {batch}, an estimate "
      f"before compression) and {proxy['largest_response']} bytes down (the 256 KiB pull budget)")
print(f"chaos-net: changes sent twice: {resent_up} pushed (the server skipped them as held; the largest push "
      f"batch held {push_batch}), {resent_down} pulled (the largest pull batch held {pull_batch})")
if cuts == 0:
    sys.exit("chaos-net: the proxy never cut the connection; lower CUT")
if resent_up > cuts * push_batch or resent_down > cuts * pull_batch:
    sys.exit("chaos-net: a cut cost more than one batch")
print(f"chaos-net: ok: {cuts} cuts cost {resent_up + resent_down} changes sent again, at most one batch each")
PY
